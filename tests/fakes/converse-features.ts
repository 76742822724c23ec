// The fake Bedrock's side of today's Converse features: it refuses what Bedrock refuses (an image or document over the
// limit, documents without a text block, reasoning sent back without its signature, thinking on a model that cannot,
// temperature with top_p where refused), streams reasoning (text, signature, redacted) when thinking is asked for,
// answers JSON under a json_schema text format, stops at a guardrail, counts cache reads and writes, and echoes the
// service tier. Its rules are written from Bedrock's documented behaviour, not from redux's capability table.
import { eventFrame } from "./eventstream.ts";

const IMAGE_MAX = 3.75 * 1024 * 1024;
const DOCUMENT_MAX = 4.5 * 1024 * 1024;
const NO_THINKING = /llama|mistral|nova|titan|claude-3-5|claude-3-haiku|claude-3-sonnet|claude-3-opus/;
const EXCLUSIVE_SAMPLERS = /claude-(sonnet-4-5|haiku-4-5|opus-4-[1-9]|(opus|sonnet|haiku)-[5-9])/;

const b64len = (s: unknown) => (typeof s === "string" ? Math.floor((s.length * 3) / 4) - (s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0) : 0);

/** The ValidationException message Bedrock would answer with, or undefined when the request is fine. */
export function invalidConverse(modelId: string, body: any): string | undefined {
  const msgs: any[] = Array.isArray(body?.messages) ? body.messages : [];
  let images = 0;
  let documents = 0;
  for (const [i, m] of msgs.entries()) {
    const blocks: any[] = Array.isArray(m?.content) ? m.content : [];
    const docs = blocks.filter((b) => b?.document);
    if (docs.length && !blocks.some((b) => typeof b?.text === "string" && b.text !== "")) {
      return `messages.${i}: a document must be accompanied by a text block`;
    }
    for (const [j, b] of blocks.entries()) {
      if (b?.image) {
        images++;
        if (b64len(b.image.source?.bytes) > IMAGE_MAX) return `messages.${i}.content.${j}.image.source.bytes: image exceeds 3.75 MB maximum`;
        if (!["png", "jpeg", "gif", "webp"].includes(b.image.format)) return `messages.${i}.content.${j}.image.format: invalid format`;
      }
      if (b?.document) {
        documents++;
        if (b64len(b.document.source?.bytes) > DOCUMENT_MAX) return `messages.${i}.content.${j}.document.source.bytes: document exceeds 4.5 MB maximum`;
        if (!/^[A-Za-z0-9\-()[\] ]{1,200}$/.test(b.document.name ?? "") || /\s\s/.test(b.document.name)) return `messages.${i}.content.${j}.document.name: invalid name`;
      }
      const r = b?.reasoningContent;
      if (r && r.reasoningText && !r.reasoningText.signature) return `messages.${i}.content.${j}.reasoningContent.reasoningText.signature: a reasoning block sent back must carry its signature`;
    }
  }
  if (images > 20) return "too many images: at most 20";
  if (documents > 5) return "too many documents: at most 5";
  const thinking = body?.additionalModelRequestFields?.thinking;
  if (thinking && NO_THINKING.test(modelId)) return `The model ${modelId} does not support thinking`;
  if (thinking?.type === "enabled" && !(Number.isInteger(thinking.budget_tokens) && thinking.budget_tokens >= 1024)) return "thinking.budget_tokens: must be >= 1024";
  const cfg = body?.inferenceConfig ?? {};
  if (thinking?.type === "enabled" && typeof cfg.maxTokens === "number" && cfg.maxTokens <= thinking.budget_tokens) return "max_tokens must be greater than thinking.budget_tokens";
  if (EXCLUSIVE_SAMPLERS.test(modelId) && cfg.temperature !== undefined && cfg.topP !== undefined) {
    return "`temperature` and `top_p` cannot both be specified for this model. Please use only one.";
  }
  const tier = body?.serviceTier?.type;
  if (tier !== undefined && !["default", "priority", "flex", "reserved"].includes(tier)) return `serviceTier.type: invalid value ${tier}`;
  return undefined;
}

/** The reasoning frames a thinking request gets before its answer (block 0), or none. */
export function reasoningFrames(modelId: string, body: any): Uint8Array[] {
  if (!body?.additionalModelRequestFields?.thinking) return [];
  const frames = [eventFrame("contentBlockStart", { contentBlockIndex: 0, start: {} })];
  if (modelId.includes("redacted")) {
    frames.push(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: Buffer.from("opaque-reasoning").toString("base64") } } }));
  } else {
    frames.push(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Let me think. " } } }));
    frames.push(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "The user wants an echo." } } }));
    frames.push(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "sig-" + "A".repeat(24) } } }));
  }
  frames.push(eventFrame("contentBlockStop", { contentBlockIndex: 0 }));
  return frames;
}

/** The answer under the request's features: JSON for a json_schema, the guardrail's words when it blocks. */
export function featureAnswer(modelId: string, body: any, text: string, lastUserText: string): { text: string; stopReason?: string } {
  const g = body?.guardrailConfig;
  if (g && (String(g.guardrailIdentifier).includes("block") || /forbidden/i.test(lastUserText))) {
    return { text: "Sorry, the model cannot answer this question.", stopReason: "guardrail_intervened" };
  }
  if (body?.outputConfig?.textFormat?.type === "json_schema") {
    if (modelId.includes("bad-json")) return { text: JSON.stringify({ unexpected: true }) };
    return { text: JSON.stringify({ echo: lastUserText }) };
  }
  return { text };
}

const cached: string[][] = [];
const strip = (blocks: any[]) => JSON.stringify((blocks ?? []).filter((b: any) => !b?.cachePoint));

/**
 * Usage extras: a request with cache points writes its prefix to the cache and reads back the longest prefix an
 * earlier request wrote (as Bedrock's prompt caching does); the service tier is echoed, unless the model id says
 * `answers-tier-<tier>` (a priority request served at the standard tier, say): then that tier is reported.
 */
export function metadataExtras(body: any, inputTokens: number, modelId = ""): { usage: Record<string, number>; serviceTier?: { type: string } } {
  const usage: Record<string, number> = {};
  const msgs: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const hasPoint = msgs.some((m) => (m?.content ?? []).some((b: any) => b?.cachePoint)) || (Array.isArray(body?.system) && body.system.some((b: any) => b?.cachePoint));
  if (hasPoint) {
    const key = [strip(body.system), ...msgs.map((m) => `${m.role}:${strip(m.content)}`)];
    const hit = cached.filter((c) => c.length <= key.length && c.every((x, i) => x === key[i])).sort((a, b) => b.length - a.length)[0];
    const share = (n: number) => Math.max(1, Math.floor((inputTokens * n) / key.length));
    if (hit) usage.cacheReadInputTokens = share(hit.length);
    usage.cacheWriteInputTokens = share(key.length - (hit?.length ?? 0));
    cached.push(key);
  }
  const tier = /answers-tier-([a-z]+)/.exec(modelId)?.[1] ?? body?.serviceTier?.type;
  return { usage, ...(tier ? { serviceTier: { type: tier } } : {}) };
}
