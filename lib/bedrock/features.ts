// The Converse features a turn can ask for beyond text: extended thinking, prompt caching, structured output, service
// tiers, latency-optimized inference, guardrails and request metadata. Flags and batch fields are validated here, checked
// against the capability table (what Bedrock would refuse is refused locally, exit 2), and turned into request fields.
import { usageError } from "../errors.ts";
import type { InferenceConfig } from "../conversations/conversation.ts";
import { capabilitiesOf } from "./capabilities.ts";

type Effort = "low" | "medium" | "high";
type ServiceTier = "default" | "priority" | "flex";

/** Per-turn features. Thinking and effort live in the conversation's inference_config, so later turns keep them. */
export interface TurnFeatures {
  cache?: boolean;
  /** A JSON Schema the answer must follow (Converse `outputConfig.textFormat`). */
  jsonSchema?: { schema: Record<string, unknown>; name: string };
  serviceTier?: ServiceTier;
  latency?: "optimized";
  guardrail?: { id: string; version: string };
  requestMetadata?: Record<string, string>;
}

const SERVICE_TIERS: readonly ServiceTier[] = ["default", "priority", "flex"];
const EFFORTS: readonly Effort[] = ["low", "medium", "high"];
/** Claude's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;
/** Room left for the answer when --thinking is given without --max-tokens. */
const ANSWER_ROOM = 4096;

/** The budget `--thinking` alone asks of a budget thinker. */
const DEFAULT_THINKING_BUDGET = 4096;

/**
 * `--thinking [BUDGET|adaptive]` (or a batch line's `thinking`), as stored in inference_config. Without a value
 * (`auto`, given by the argv scan), the model family's own shape: adaptive, or a budget of 4096.
 */
export function parseThinking(v: string | number | undefined, flag = "--thinking", modelId?: string): number | "adaptive" | undefined {
  if (v === undefined || v === "") return undefined;
  if (v === "adaptive") return "adaptive";
  if (v === "auto") return modelId && capabilitiesOf(modelId)?.thinking === "adaptive" ? "adaptive" : DEFAULT_THINKING_BUDGET;
  const n = typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < MIN_THINKING_BUDGET || n > 1_000_000) {
    throw usageError(`${flag} takes a token budget from ${MIN_THINKING_BUDGET} or "adaptive", got ${JSON.stringify(v)}`, `e.g. ${flag} 4096`);
  }
  return n;
}

function parseEffort(v: string | undefined): Effort | undefined {
  if (v === undefined) return undefined;
  if (!(EFFORTS as readonly string[]).includes(v)) throw usageError(`--effort must be low, medium or high, got ${JSON.stringify(v)}`);
  return v as Effort;
}

export function parseServiceTier(v: string | undefined, flag = "--service-tier"): ServiceTier | undefined {
  if (v === undefined) return undefined;
  if (!(SERVICE_TIERS as readonly string[]).includes(v)) throw usageError(`${flag} must be one of ${SERVICE_TIERS.join(", ")}, got ${JSON.stringify(v)}`);
  return v as ServiceTier;
}

function parseLatency(v: string | undefined): "optimized" | undefined {
  if (v === undefined || v === "standard") return undefined;
  if (v !== "optimized") throw usageError(`--latency must be optimized or standard, got ${JSON.stringify(v)}`);
  return "optimized";
}

const GUARDRAIL_ID = /^(arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:guardrail\/)?[a-z0-9]{1,64}$/;

/** `ID[:VERSION]` (an ARN may stand for the id); DRAFT when no version is given. */
export function parseGuardrail(v: string | undefined): TurnFeatures["guardrail"] {
  if (v === undefined) return undefined;
  // the version is after the last colon only when it looks like one (an ARN has colons of its own)
  const m = /^(.*?)(?::(DRAFT|\d{1,8}))?$/.exec(v)!;
  const id = m[1]!;
  if (!GUARDRAIL_ID.test(id)) throw usageError(`--guardrail takes ID[:VERSION], got ${JSON.stringify(v)}`, "e.g. --guardrail gr1234abcd:1 (the version defaults to DRAFT)");
  return { id, version: m[2] ?? "DRAFT" };
}

const META_KEY = /^[a-zA-Z0-9\s:_@$#=/+,.-]{1,256}$/;
const META_VALUE = /^[a-zA-Z0-9\s:_@$#=/+,.-]{0,256}$/;

/** Repeated `k=v` pairs (at most 16, Bedrock's limit and charset). */
export function parseRequestMetadata(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    const k = i > 0 ? p.slice(0, i) : "";
    const val = i > 0 ? p.slice(i + 1) : "";
    if (!META_KEY.test(k) || !META_VALUE.test(val)) {
      throw usageError(`--request-metadata takes key=value (letters, digits, spaces and :_@$#=/+,.-; up to 256 each), got ${JSON.stringify(p)}`);
    }
    out[k] = val;
  }
  if (Object.keys(out).length > 16) throw usageError("at most 16 --request-metadata pairs");
  return out;
}

/** A JSON Schema document for structured output, parsed from a file's text. */
export function parseJsonSchema(text: string, where: string): TurnFeatures["jsonSchema"] {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    throw usageError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw usageError(`${where} is not a JSON Schema (an object)`);
  const title = typeof (schema as { title?: unknown }).title === "string" ? (schema as { title: string }).title : "response";
  // Bedrock's schema name: letters, digits, _ and -, up to 64
  const name = title.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 64) || "response";
  return { schema: schema as Record<string, unknown>, name };
}

/**
 * Refuses locally what Bedrock would refuse for this model (exit 2, before any request): thinking on a family that
 * cannot, a thinking shape the family does not take, both samplers where refused, latency-optimized where not offered,
 * and answer room smaller than the thinking budget. Unknown models pass: Bedrock decides.
 */
export function checkFeatures(modelId: string, inf: InferenceConfig, f: TurnFeatures): void {
  const caps = capabilitiesOf(modelId);
  if (inf.thinking !== undefined) {
    if (caps?.thinking === "none") throw usageError(`${modelId} (${caps.family}) does not support extended thinking`, "drop --thinking, or pick a model that thinks (Claude 3.7, Claude 4 and later)");
    if (caps?.thinking === "budget" && inf.thinking === "adaptive") throw usageError(`${modelId} (${caps.family}) thinks with a token budget, not adaptively`, "use --thinking 4096 (a budget of at least 1024 tokens)");
    if (typeof inf.thinking === "number" && inf.max_tokens !== undefined && inf.max_tokens <= inf.thinking) {
      throw usageError(`--max-tokens (${inf.max_tokens}) must be larger than the thinking budget (${inf.thinking})`, "the answer is counted after the thinking: raise --max-tokens or lower the budget");
    }
    if (inf.temperature !== undefined || inf.top_p !== undefined) throw usageError("--temperature and --top-p cannot be used with --thinking", "thinking models sample at their own settings: drop them");
  }
  if (inf.effort !== undefined) {
    if (caps && caps.thinking !== "adaptive") throw usageError(`${modelId} (${caps.family}) takes no --effort`, caps.thinking === "budget" ? "use a thinking budget instead: --thinking 4096" : "drop --effort");
  }
  if (caps?.exclusiveSamplers && inf.temperature !== undefined && inf.top_p !== undefined) {
    throw usageError(`${modelId} (${caps.family}) refuses --temperature together with --top-p`, "give one of them");
  }
  if (f.latency === "optimized" && caps && !caps.latencyOptimized) {
    throw usageError(`${modelId} (${caps.family}) has no latency-optimized inference`, "drop --latency optimized (Claude 3.5 Haiku, Llama 3.1 70B/405B and Nova Pro have it)");
  }
}

/** The request fields beyond messages, system and the samplers, for ConverseStream and Converse. */
export function featureFields(inf: InferenceConfig, f: TurnFeatures): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const outputConfig: Record<string, unknown> = {};
  if (typeof inf.thinking === "number") out.additionalModelRequestFields = { thinking: { type: "enabled", budget_tokens: inf.thinking } };
  else if (inf.thinking === "adaptive") out.additionalModelRequestFields = { thinking: { type: "adaptive" } };
  if (inf.effort) outputConfig.effort = inf.effort;
  if (f.jsonSchema) {
    outputConfig.textFormat = { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(f.jsonSchema.schema), name: f.jsonSchema.name } } };
  }
  if (Object.keys(outputConfig).length) out.outputConfig = outputConfig;
  if (f.serviceTier) out.serviceTier = { type: f.serviceTier };
  if (f.latency) out.performanceConfig = { latency: f.latency };
  if (f.guardrail) out.guardrailConfig = { guardrailIdentifier: f.guardrail.id, guardrailVersion: f.guardrail.version, trace: "enabled", streamProcessingMode: "sync" };
  if (f.requestMetadata) out.requestMetadata = f.requestMetadata;
  return out;
}

/** maxTokens for a thinking request without --max-tokens: the budget plus room for the answer. */
export const thinkingMaxTokens = (inf: InferenceConfig): number | undefined =>
  typeof inf.thinking === "number" && inf.max_tokens === undefined ? inf.thinking + ANSWER_ROOM : undefined;

interface FeatureFlags {
  thinking?: string;
  effort?: string;
  cache?: boolean;
  jsonSchema?: string;
  serviceTier?: string;
  latency?: string;
  guardrail?: string;
  requestMetadata?: string[];
}

/**
 * The feature flags of a chat command: the inference_config changes (thinking and effort, kept by the conversation;
 * `--thinking off` drops it) and this turn's features. Reads the --json-schema file.
 */
export async function parseFeatureFlags(f: FeatureFlags): Promise<{ inference: Pick<InferenceConfig, "thinking" | "effort">; features: TurnFeatures; autoThinking: boolean }> {
  const inference: Pick<InferenceConfig, "thinking" | "effort"> = {};
  // `--thinking` without a value takes the model's own shape, known once the session has chosen the model
  const autoThinking = f.thinking === "auto";
  if (f.thinking === "off") inference.thinking = undefined;
  else if (!autoThinking) {
    const t = parseThinking(f.thinking);
    if (t !== undefined) inference.thinking = t;
  }
  const effort = parseEffort(f.effort);
  if (effort) inference.effort = effort;
  const features: TurnFeatures = {};
  if (f.cache) features.cache = true;
  if (f.jsonSchema !== undefined) features.jsonSchema = parseJsonSchema(await readText(f.jsonSchema, "--json-schema"), f.jsonSchema);
  const tier = parseServiceTier(f.serviceTier);
  if (tier) features.serviceTier = tier;
  const latency = parseLatency(f.latency);
  if (latency) features.latency = latency;
  const guardrail = parseGuardrail(f.guardrail);
  if (guardrail) features.guardrail = guardrail;
  const meta = parseRequestMetadata(f.requestMetadata);
  if (meta) features.requestMetadata = meta;
  return { inference, features, autoThinking };
}

async function readText(path: string, flag: string): Promise<string> {
  const [{ readFileSync }, { onPath }] = await Promise.all([import("node:fs"), import("../fs-errors.ts")]);
  // a path that cannot be used is exit 2, a failing disk 9, each with its reason, as for every file redux reads
  return onPath(path, `read the ${flag} file`, () => readFileSync(path, "utf8"), `${flag} takes the path of a JSON Schema file`);
}

/** What a stop reason means to the person waiting for the answer: a warning, or a failure (exit 6) with a hint. */
export function stopReasonNote(stopReason: string | undefined, inf: InferenceConfig): { message: string; hint?: string; fails: boolean } | undefined {
  switch (stopReason) {
    case "max_tokens":
      return { message: `the answer was cut off at the token limit${inf.max_tokens ? ` (--max-tokens ${inf.max_tokens})` : ""}`, hint: "raise --max-tokens for the whole answer", fails: false };
    case "guardrail_intervened":
      return { message: "the guardrail intervened: the answer above is the guardrail's, not the model's", hint: "the guardrail's trace is in the --debug output; change the prompt or the guardrail", fails: true };
    case "content_filtered":
      return { message: "the answer was stopped by Bedrock's content filter", hint: "rephrase the prompt", fails: true };
    case "model_context_window_exceeded":
      return { message: "the conversation no longer fits the model's context window", hint: "start a new conversation, or use a model with a larger context", fails: true };
    case "malformed_model_output":
      return { message: "the model's output was malformed", hint: "retry; with --json-schema, simplify the schema", fails: true };
    case "malformed_tool_use":
      return { message: "the model asked for a tool in a malformed way", hint: "retry", fails: true };
    default:
      return undefined;
  }
}
