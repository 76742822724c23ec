// The Bedrock Runtime client and its ConverseStream: built lazily (the SDK is only imported on paths that call AWS),
// bounded by timeouts the SDK lacks, and strict about streams that end before the answer is complete.
import type { BedrockRuntimeClient, ConverseStreamOutput, Message as BedrockMessage, ReasoningContentBlockDelta } from "@aws-sdk/client-bedrock-runtime";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { ReduxError, ExitCode, translateAwsError, type AwsErrorContext } from "../errors.ts";
import type { InferenceConfig, ReasoningBlock, Usage } from "../conversations/conversation.ts";
import { featureFields, thinkingMaxTokens, type TurnFeatures } from "./features.ts";
import { bearerToken, credentialProvider, type DebugLog } from "../aws/credentials.ts";
import { requestHandlerFor, sdkServiceUrl } from "../aws/http.ts";
import { addRequestTrace } from "../aws/request-trace.ts";

export interface BedrockClientOptions {
  region: string;
  profile?: string;
  endpoint?: string;
  /** Bounds each request with no activity (ms); the SDK has no timeout by default. */
  timeoutMs: number;
  maxAttempts?: number;
  /**
   * Use an HTTP/1.1 keep-alive pool instead of a connection per request (batch): Bun's fetch's own, or this many
   * connections where a proxy variable or a CA bundle applies.
   */
  pool?: number;
  debug?: DebugLog;
  /** Sign with this provider (shared by the clients of several regions, so credentials are resolved once). */
  credentials?: AwsCredentialIdentityProvider;
}

type RuntimeSdk = typeof import("@aws-sdk/client-bedrock-runtime");
let sdk: RuntimeSdk | undefined;
/** The SDK module, imported on first use and kept: awaiting import() again for every batch item costs CPU. */
const runtimeSdk = async (): Promise<RuntimeSdk> => (sdk ??= await import("@aws-sdk/client-bedrock-runtime"));

/** The HTTP handler's silence limits end this much after streamTurn's and converseOnce's own timers (lib/aws/http.ts). */
const OWN_TIMERS_GRACE_MS = 1000;

export async function createBedrockClient(o: BedrockClientOptions): Promise<BedrockRuntimeClient> {
  const { BedrockRuntimeClient } = sdk ?? (await runtimeSdk());
  const endpoint = o.endpoint;
  const client = new BedrockRuntimeClient({
    region: o.region,
    ...(endpoint ? { endpoint } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
    // AWS_BEARER_TOKEN_BEDROCK switches the SDK to bearer auth on its own (no provider then); otherwise the chain signs.
    // An empty one is ignored as if unset: the SDK alone would switch to bearer auth and send an empty token.
    ...(bearerToken() === "empty" ? { authSchemePreference: ["sigv4"] } : {}),
    credentials: o.credentials ?? (await credentialProvider({ profile: o.profile, region: o.region, timeoutMs: o.timeoutMs, debug: o.debug })),
    requestHandler: await requestHandlerFor(await sdkServiceUrl("BEDROCK_RUNTIME", o.region, endpoint), { timeoutMs: o.timeoutMs, graceMs: OWN_TIMERS_GRACE_MS, http2: !o.pool, maxSockets: o.pool, fetch: Boolean(o.pool), profile: o.profile }),
  });
  if (o.debug) addRequestTrace(client, o.debug);
  return client;
}

interface TurnRequest {
  modelId: string;
  messages: BedrockMessage[];
  system?: string;
  inference: InferenceConfig;
  features?: TurnFeatures;
}

export interface TurnResult {
  text: string;
  /** Reasoning blocks (extended thinking), in the order they arrived; saved and sent back unchanged next turn. */
  reasoning?: ReasoningBlock[];
  status: "complete" | "interrupted" | "error";
  stopReason?: string;
  usage?: Usage;
  /** The service tier Bedrock says it answered on (metadata.serviceTier): what the turn is priced at. */
  serviceTier?: string;
  latencyMs: number;
  /** Set when status is "error" (translated) or "interrupted". */
  error?: ReduxError;
}

export interface StreamOptions {
  onText?: (chunk: string) => void;
  /** Reasoning text as it streams (shown on stderr, never on stdout). */
  onReasoning?: (chunk: string) => void;
  /** Aborting it (Ctrl-C) stops the answer; what arrived is returned with status "interrupted". */
  signal?: AbortSignal;
  /** Longest wait for the first event, and for the silence between events (ms). */
  firstEventTimeoutMs: number;
  idleTimeoutMs: number;
  ctx?: AwsErrorContext;
}

export const toBedrockInference = (c: InferenceConfig) => {
  const out: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] } = {};
  if (c.max_tokens !== undefined) out.maxTokens = c.max_tokens;
  if (c.temperature !== undefined) out.temperature = c.temperature;
  if (c.top_p !== undefined) out.topP = c.top_p;
  if (c.stop_sequences?.length) out.stopSequences = c.stop_sequences;
  return out;
};

const CACHE_POINT = { cachePoint: { type: "default" as const } };

/** The request body shared by Converse and ConverseStream. */
function commandInput(req: TurnRequest) {
  const f = req.features ?? {};
  const inferenceConfig = toBedrockInference(req.inference);
  const room = thinkingMaxTokens(req.inference);
  if (room !== undefined) inferenceConfig.maxTokens = room;
  let messages = req.messages;
  // --cache: one cache point after the system prompt and one after the history (the end of the newest message), so
  // the next turn of a REPL or a resumed chat reads the whole prefix from the cache
  if (f.cache && messages.length) {
    const last = messages.at(-1)!;
    messages = [...messages.slice(0, -1), { ...last, content: [...(last.content ?? []), CACHE_POINT] }];
  }
  return {
    modelId: req.modelId,
    messages,
    ...(req.system ? { system: f.cache ? [{ text: req.system }, CACHE_POINT] : [{ text: req.system }] } : {}),
    inferenceConfig,
    ...featureFields(req.inference, f),
  };
}

type SdkUsage = { inputTokens?: number; outputTokens?: number; totalTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number };
const toUsage = (u?: SdkUsage): Usage | undefined =>
  u
    ? {
        input_tokens: u.inputTokens ?? 0,
        output_tokens: u.outputTokens ?? 0,
        total_tokens: u.totalTokens ?? (u.inputTokens ?? 0) + (u.outputTokens ?? 0) + (u.cacheReadInputTokens ?? 0) + (u.cacheWriteInputTokens ?? 0),
        cache_read_input_tokens: u.cacheReadInputTokens ?? 0,
        cache_write_input_tokens: u.cacheWriteInputTokens ?? 0,
      }
    : undefined;

/**
 * Sends one ConverseStream and streams its text. Never throws for request failures: the result carries the text
 * that arrived and the translated error, so callers can save partial answers before they report.
 */
export async function streamTurn(client: BedrockRuntimeClient, req: TurnRequest, o: StreamOptions): Promise<TurnResult> {
  const { ConverseStreamCommand } = sdk ?? (await runtimeSdk());
  const t0 = performance.now();
  const ac = new AbortController();
  const wait = waitBound(ac);
  const onOuterAbort = () => ac.abort();
  o.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (o.signal?.aborted) ac.abort();

  let text = "";
  const reasoning = new Map<number, ReasoningBlock["reasoning"]>();
  let stopReason: string | undefined;
  let usage: Usage | undefined;
  let serviceTier: string | undefined;
  let sawStop = false;
  let sawMetadata = false;
  const finish = (status: TurnResult["status"], error?: ReduxError): TurnResult => ({
    text,
    reasoning: [...reasoning.values()].map((r) => ({ reasoning: r })),
    status,
    stopReason,
    usage,
    ...(serviceTier ? { serviceTier } : {}),
    latencyMs: Math.round(performance.now() - t0),
    error,
  });

  try {
    wait.arm(o.firstEventTimeoutMs, "answer");
    const res = await client.send(
      new ConverseStreamCommand(commandInput(req)),
      { abortSignal: ac.signal },
    );
    for await (const ev of res.stream ?? ([] as ConverseStreamOutput[])) {
      wait.arm(o.idleTimeoutMs, "data");
      if (ev.contentBlockDelta?.delta?.text) {
        const chunk = ev.contentBlockDelta.delta.text;
        text += chunk;
        o.onText?.(chunk);
      } else if (ev.contentBlockDelta?.delta?.reasoningContent) {
        addReasoning(reasoning, ev.contentBlockDelta.contentBlockIndex ?? 0, ev.contentBlockDelta.delta.reasoningContent, o);
      } else if (ev.messageStop) {
        sawStop = true;
        stopReason = ev.messageStop.stopReason;
      } else if (ev.metadata) {
        sawMetadata = true;
        usage = toUsage(ev.metadata.usage);
        serviceTier = ev.metadata.serviceTier?.type;
      }
    }
    wait.clear();
    if (o.signal?.aborted) return finish("interrupted", new ReduxError(ExitCode.interrupted, "interrupted"));
    if (wait.timedOut) return finish("error", timeoutError(wait.timedOut, o.ctx));
    if (!sawStop || !sawMetadata) {
      return finish(
        "error",
        new ReduxError(ExitCode.unavailable, `the answer stream ended before it was complete (no ${sawStop ? "metadata" : "messageStop"} event)`, "retry; the partial answer was kept"),
      );
    }
    return finish("complete");
  } catch (err) {
    wait.clear();
    // a consumer that threw (a failed write to stdout) left the answer unread: the request is ended, or its
    // connection stays taken until the server gives up (a pool's connection, a proxy's tunnel)
    ac.abort();
    if (o.signal?.aborted) return finish("interrupted", new ReduxError(ExitCode.interrupted, "interrupted"));
    if (wait.timedOut) return finish("error", timeoutError(wait.timedOut, o.ctx));
    return finish("error", translateAwsError(err, o.ctx));
  } finally {
    o.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/**
 * The first-event and idle timeouts of a stream, which abort `ac` and say what was awaited (`timedOut`). One timer per
 * wait, not per event: each event only moves the deadline, and the timer, when it fires early, sleeps again until the
 * deadline (re-arming a timer for each of 20,000 deltas was a tenth of a long stream's CPU).
 */
function waitBound(ac: AbortController) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline = 0;
  let waitMs = 0;
  let waitingFor = "";
  const w = {
    timedOut: undefined as string | undefined,
    arm(ms: number, what: string) {
      deadline = performance.now() + ms;
      if (waitingFor === what && waitMs === ms && timer) return;
      clearTimeout(timer);
      waitMs = ms;
      waitingFor = what;
      timer = setTimeout(expire, ms);
    },
    clear: () => clearTimeout(timer),
  };
  const expire = () => {
    const left = deadline - performance.now();
    if (left > 1) {
      timer = setTimeout(expire, left);
      return;
    }
    w.timedOut = `no ${waitingFor} from Bedrock for ${Math.round(waitMs / 1000)} s`;
    ac.abort();
  };
  return w;
}

/** A reasoning delta into its block (text, signature, redacted bytes); its text is shown as it arrives. */
function addReasoning(reasoning: Map<number, ReasoningBlock["reasoning"]>, i: number, d: ReasoningContentBlockDelta, o: StreamOptions) {
  const r = reasoning.get(i) ?? {};
  reasoning.set(i, r);
  if (d.text) {
    r.text = (r.text ?? "") + d.text;
    o.onReasoning?.(d.text);
  }
  if (d.signature) r.signature = (r.signature ?? "") + d.signature;
  if (d.redactedContent) r.redacted = Buffer.concat([Buffer.from(r.redacted ?? "", "base64"), Buffer.from(d.redactedContent)]).toString("base64");
}

const timeoutError = (what: string, ctx?: AwsErrorContext) =>
  new ReduxError(ExitCode.unavailable, `timed out: ${what}${ctx?.region ? ` (${ctx.region})` : ""}`, "raise --timeout, or check the network path to Bedrock");

interface ConverseResult {
  text: string;
  reasoning?: ReasoningBlock[];
  stopReason?: string;
  usage?: Usage;
  serviceTier?: string;
  latencyMs: number;
}

/** One non-streaming Converse call (the smoke test's tiny request); throws translated errors. */
export async function converseOnce(client: BedrockRuntimeClient, req: TurnRequest, o: { timeoutMs: number; ctx?: AwsErrorContext }): Promise<ConverseResult> {
  const { ConverseCommand } = sdk ?? (await runtimeSdk());
  const t0 = performance.now();
  const signal = AbortSignal.timeout(o.timeoutMs);
  try {
    const res = await client.send(
      new ConverseCommand(commandInput(req)),
      { abortSignal: signal },
    );
    const text = (res.output?.message?.content ?? []).map((b) => b.text ?? "").join("");
    return { text, stopReason: res.stopReason, usage: toUsage(res.usage), ...(res.serviceTier?.type ? { serviceTier: res.serviceTier.type } : {}), latencyMs: Math.round(performance.now() - t0) };
  } catch (err) {
    if (signal.aborted) throw timeoutError(`no answer within ${Math.round(o.timeoutMs / 1000)} s`, o.ctx);
    throw translateAwsError(err, o.ctx);
  }
}
