// The batch runner: launches items under an adaptive concurrency limit, retries throttling and transient failures
// with backoff, records every finished item once, and stops launching on a budget, a signal or bad credentials.
import type { BedrockRuntimeClient, ContentBlock } from "@aws-sdk/client-bedrock-runtime";
import { streamTurn, type TurnResult } from "../bedrock/runtime.ts";
import { answerWithFailover, movesOn, type FailedAttempt, type FailoverResult } from "../bedrock/failover.ts";
import { createHealth, type TargetHealth } from "../bedrock/health.ts";
import { targetList, type Target } from "../bedrock/targets.ts";
import { AWS_ERROR_NAMES, ExitCode, ReduxError, awsErrorName, isReduxError } from "../errors.ts";
import { addUsage, bedrockAttachment, emptyUsage, newConversation, toBedrockBlocks, type InferenceConfig, type Usage } from "../conversations/conversation.ts";
import { attachmentPart, readAttachment, type Attachment } from "../conversations/attachments.ts";
import { checkStructuredAnswer } from "../bedrock/structured-output.ts";
import { saveConversation, type StoreOptions } from "../conversations/store.ts";
import { recordAnswer } from "../conversations/answer.ts";
import type { ModelRef } from "../bedrock/model-string.ts";
import type { BatchItem } from "./input.ts";
import type { AutoProfileOptions } from "../bedrock/auto-profile.ts";
import type { BatchOutput, BatchOutputLine } from "./output.ts";
import { backoffMs, createAimd, retryAfterMs, type Aimd } from "./rate-control.ts";
import { createBudget, type Budget } from "./budget.ts";
import { costOf, tierOf } from "../bedrock/prices.ts";

export interface BatchOptions {
  items: BatchItem[];
  out: BatchOutput;
  defaults: { model?: ModelRef; system?: string; inference: InferenceConfig };
  concurrency: number;
  maxAttempts: number;
  maxItems?: number;
  maxTotalTokens?: number;
  /** Stop launching once the spend, with in-flight items at their estimates, would pass this many USD. */
  maxCostUsd?: number;
  timeoutMs: number;
  clientFor(region: string): Promise<BedrockRuntimeClient>;
  /** Tried in order after each item's model when it cannot answer (multi-region failover). */
  fallbacks?: ModelRef[];
  /** Shared by every item, so a dead target is skipped by all of them, not tried by each. */
  health?: TargetHealth;
  /** --debug: each switch to another target. */
  debug?: (line: string) => void;
  /** Called the first time each fallback target answers an item. */
  onFallback?: (target: string, failed: FailedAttempt[]) => void;
  save?: StoreOptions;
  /** Aborted on SIGINT/SIGTERM: no new launches; in-flight items get `graceMs` to finish. */
  stop: AbortSignal;
  graceMs: number;
  profile?: string;
  /** Retry an item whose bare model id is refused for on-demand throughput through its inference profile (off: undefined). */
  autoProfile?: AutoProfileOptions;
  /** Backoff bases (ms); tests and benches may shorten them. */
  throttleBaseMs?: number;
  transientBaseMs?: number;
}

export interface BatchStats {
  total: number;
  skipped: number;
  ok: number;
  failed: number;
  inFlight: number;
  concurrency: number;
  throttles: number;
  /** Items answered, by the target (model string) that answered them. */
  answeredBy: Record<string, number>;
  usage: Usage;
  /** Known cost so far (USD) and how many attempts had no known price. */
  costUsd: number;
  unpriced: number;
  startedAt: number;
}

/** Why launching stopped early: a budget, SIGINT/SIGTERM, or an error every item would hit (credentials, OUT unwritable). */
type StopReason = "max-items" | "max-total-tokens" | "max-cost" | "signal" | "fatal";

export interface BatchSummary extends BatchStats {
  /** Items neither skipped nor recorded this run (budgets, a signal, a fatal error). */
  notRun: number;
  wallMs: number;
  stoppedBy?: StopReason;
  fatal?: ReduxError;
}

const causeOf = (err: ReduxError) => (err.cause ?? {}) as { name?: string; message?: string };
/** Backs off like throttling (and lowers the concurrency): a model that is not ready yet is waited for the same way. */
const isThrottle = (err: ReduxError) => {
  const name = awsErrorName(err);
  return AWS_ERROR_NAMES.throttling.has(name) || name === "ModelNotReadyException" || /throttl/i.test(err.message);
};

/**
 * The error an item is judged by. A stream cut off inside an event frame ("Truncated event message") and an
 * exception frame the service marks as its own failure are transient, though the SDK gives them no retryable class.
 */
export function itemError(err: ReduxError): ReduxError {
  const c = causeOf(err);
  if (err.code === ExitCode.unavailable) return err;
  if (/truncated event message|premature close|socket hang up|ECONNRESET/i.test(c.message ?? "")) {
    return new ReduxError(ExitCode.unavailable, `the answer stream was cut off: ${err.message}`, "retry; it is usually a network hiccup", { cause: err.cause });
  }
  if (c.name === "InternalFailure" || c.name === "InternalServerException") {
    return new ReduxError(ExitCode.unavailable, `Bedrock failed inside the answer stream: ${err.message}`, "retry later", { cause: err.cause });
  }
  return err;
}

/** Worth another attempt: throttling, unavailable or not-ready models, timeouts, streams that ended early. */
const isRetryable = (err: ReduxError) => err.code === ExitCode.unavailable;

export function createStats(total: number): BatchStats {
  return { total, skipped: 0, ok: 0, failed: 0, inFlight: 0, concurrency: 0, throttles: 0, answeredBy: {}, usage: emptyUsage(), costUsd: 0, unpriced: 0, startedAt: Date.now() };
}

export async function runBatch(o: BatchOptions, stats = createStats(o.items.length), budget: Budget = createBudget(o.maxCostUsd)): Promise<BatchSummary> {
  const viaProfile = new Map<string, Promise<string | undefined>>();
  const run: Run = {
    o,
    stats,
    aimd: createAimd(o.concurrency),
    hardStop: new AbortController(),
    health: o.health ?? createHealth(),
    fallbacks: o.fallbacks ?? [],
    announced: new Set(),
    budget,
    viaProfile,
    autoProfile: o.autoProfile && {
      ...o.autoProfile,
      lookup: async (region: string, modelId: string) => {
        const key = `custom:${region}:${modelId}`;
        if (!viaProfile.has(key)) viaProfile.set(key, import("../bedrock/auto-profile.ts").then((m) => m.profileFor(region, modelId, o.autoProfile!)));
        return viaProfile.get(key)!;
      },
    },
  };
  // a signal stops the launching; the items in flight get graceMs before they are cut off
  const onStop = () => {
    run.stoppedBy ??= "signal";
    setTimeout(() => run.hardStop.abort(), o.graceMs).unref?.();
  };
  o.stop.addEventListener("abort", onStop, { once: true });
  const pending = o.items.filter((it) => {
    if (!o.out.done.has(it.id)) return true;
    stats.skipped++;
    return false;
  });
  await launchAll(run, pending);
  o.stop.removeEventListener("abort", onStop);
  run.hardStop.abort();
  stats.concurrency = run.aimd.limit;
  return {
    ...stats,
    notRun: stats.total - stats.skipped - stats.ok - stats.failed,
    wallMs: Date.now() - stats.startedAt,
    stoppedBy: run.stoppedBy,
    fatal: run.fatal,
  };
}

/** One run's shared state: what every item reads, and what stops the launching. */
interface Run {
  o: BatchOptions;
  stats: BatchStats;
  aimd: Aimd;
  /** Aborted when the grace after a signal is over: in-flight requests and backoff sleeps end. */
  hardStop: AbortController;
  /** Shared by every item, so a dead target is skipped by all of them, not tried by each. */
  health: TargetHealth;
  fallbacks: ModelRef[];
  /** Fallback targets already announced through onFallback. */
  announced: Set<string>;
  /** What the run has spent, and the in-flight estimates --max-cost is checked against. */
  budget: Budget;
  /** A model refused for on-demand throughput is looked up once; later items go straight to its profile. */
  viaProfile: Map<string, Promise<string | undefined>>;
  autoProfile?: AutoProfileOptions;
  stoppedBy?: StopReason;
  fatal?: ReduxError;
}

const asProfile = (t: Target, id: string): Target => ({ ...t, modelId: id, model: `custom:${t.region}:${id}`, kind: "inference-profile" });

/** A backoff sleep that ends early when the run is cut off. */
function pause(run: Run, ms: number) {
  return new Promise<void>((r) => {
    const wake = () => {
      clearTimeout(t);
      run.hardStop.signal.removeEventListener("abort", wake);
      r();
    };
    const t = setTimeout(wake, ms);
    run.hardStop.signal.addEventListener("abort", wake, { once: true });
  });
}

/** Launches the items under the adaptive limit until they are all out or something stops the launching. */
async function launchAll(run: Run, pending: BatchItem[]): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  // woken by each finished item (a Promise.race per launch would pile handlers onto a long-running item)
  let wake: (() => void) | undefined;
  const slotFreed = () => new Promise<void>((r) => (wake = r));
  let launched = 0;
  for (const item of pending) {
    if (run.stoppedBy) break;
    if (run.o.maxItems !== undefined && launched >= run.o.maxItems) {
      run.stoppedBy = "max-items";
      break;
    }
    if (run.o.maxTotalTokens !== undefined && run.stats.usage.total_tokens >= run.o.maxTotalTokens) {
      run.stoppedBy = "max-total-tokens";
      break;
    }
    while (inFlight.size >= run.aimd.limit && !run.stoppedBy) await slotFreed();
    if (run.stoppedBy) break;
    // the budget may have been crossed while we waited for a slot
    if (run.o.maxTotalTokens !== undefined && run.stats.usage.total_tokens >= run.o.maxTotalTokens) {
      run.stoppedBy = "max-total-tokens";
      break;
    }
    const estimate = run.budget.estimate(item.model ?? run.o.defaults.model!, item.prompt + (item.system ?? run.o.defaults.system ?? ""), item.inference.max_tokens ?? run.o.defaults.inference.max_tokens, tierOf(item.features?.serviceTier));
    if (run.budget.wouldPass(estimate)) {
      run.stoppedBy = "max-cost";
      break;
    }
    run.budget.inFlightUsd += estimate;
    launched++;
    const p: Promise<void> = runItem(run, item)
      .catch((err) => {
        // only writing OUT (or a saved conversation) throws here: every later item would fail the same way
        run.fatal ??= isReduxError(err) ? err : new ReduxError(ExitCode.internal, String((err as Error)?.message ?? err), "run again with --debug for details");
        run.stoppedBy ??= "fatal";
      })
      .finally(() => {
        run.budget.inFlightUsd -= estimate;
        inFlight.delete(p);
        run.stats.inFlight = inFlight.size;
        wake?.();
        wake = undefined;
      });
    inFlight.add(p);
    run.stats.inFlight = inFlight.size;
    run.stats.concurrency = run.aimd.limit;
  }
  await Promise.all(inFlight);
}

/** One item: its targets in order (failover), its structured answer checked, its line recorded. */
async function runItem(run: Run, item: BatchItem) {
  const model = item.model ?? run.o.defaults.model!;
  const targets = targetList(model, run.fallbacks);
  let attempts = 0;
  // read now (checked when the input was read), so thousands of queued items do not hold their files; one deleted or
  // changed since fails this item alone (its line says why, nothing was sent), not the run
  let files: Attachment[];
  try {
    files = (item.attachments ?? []).map((p) => readAttachment(p));
  } catch (err) {
    if (!isReduxError(err)) throw err;
    return record(run, item, model, { target: targets[0]!, failed: [], text: "", status: "error", latencyMs: 0, error: err }, 0, []);
  }
  // the request's content is made once and sent by every attempt: the files' bytes as read, not hashed or encoded here
  // (the SDK encodes each request; with --save, record() hashes and stores them once)
  const content: ContentBlock[] = [...files.map(bedrockAttachment), ...toBedrockBlocks({ role: "user", content: [{ text: item.prompt }], timestamp: "" })];
  let r = await answerWithFailover({
    targets,
    health: run.health,
    debug: run.o.debug,
    // nothing of an item reaches the user before its line is written: a failed stream may start again elsewhere
    shown: () => false,
    attempt: async (t) => {
      const known = run.viaProfile.has(t.model) ? await run.viaProfile.get(t.model) : undefined;
      if (known) return { ...(await tryTarget(run, item, content, asProfile(t, known), targets.length > 1, () => attempts++)), calledId: known };
      const first = await tryTarget(run, item, content, t, targets.length > 1, () => attempts++);
      if (!first.error || !run.autoProfile) return first;
      const { throughProfile } = await import("../bedrock/auto-profile.ts");
      const r = await throughProfile(first, t, (id) => tryTarget(run, item, content, asProfile(t, id), targets.length > 1, () => attempts++), run.autoProfile);
      return r.profileId ? { ...r.result, calledId: r.profileId } : r.result;
    },
  });
  // the line names the id actually called
  const calledId = (r as { calledId?: string }).calledId;
  if (calledId) r = { ...r, target: asProfile(r.target, calledId) };
  const schema = item.features?.jsonSchema;
  if (schema && !r.error && r.status === "complete") {
    try {
      await checkStructuredAnswer(r.text, schema.schema);
    } catch (err) {
      if (!isReduxError(err)) throw err;
      r = { ...r, status: "error", error: err };
    }
  }
  if (r.status === "interrupted" || (r.error?.code === ExitCode.credentials && run.fatal)) return;
  if (!r.error && !r.target.primary && !run.announced.has(r.target.model)) {
    run.announced.add(r.target.model);
    run.o.onFallback?.(r.target.model, r.failed);
  }
  return record(run, item, model, r, attempts, files);
}

/** One target's try: retries throttling and transient failures with backoff, unless other items found it dead. */
async function tryTarget(run: Run, item: BatchItem, content: ContentBlock[], t: Target, canMove: boolean, count: () => void): Promise<TurnResult> {
  const system = item.system ?? run.o.defaults.system;
  const inference = { ...run.o.defaults.inference, ...item.inference };
  const client = await run.o.clientFor(t.region);
  for (let n = 1; ; n++) {
    count();
    const r = await streamTurn(
      client,
      { modelId: t.modelId, messages: [{ role: "user", content }], system, inference, features: item.features },
      { signal: run.hardStop.signal, firstEventTimeoutMs: run.o.timeoutMs, idleTimeoutMs: run.o.timeoutMs, ctx: { region: t.region, modelId: t.modelId, profile: run.o.profile } },
    );
    run.stats.usage = addUsage(run.stats.usage, r.usage);
    // every attempt is billed for what it read and wrote, the failed ones too
    run.budget.charge(t, r.usage, tierOf(item.features?.serviceTier, r.serviceTier));
    run.stats.costUsd = run.budget.spentUsd;
    run.stats.unpriced = run.budget.unpriced;
    if (r.status === "interrupted") return r;
    const err = r.error && itemError(r.error);
    if (!err) {
      run.aimd.onSuccess();
      return r;
    }
    const failed = { ...r, error: err };
    if (err.code === ExitCode.credentials) {
      // every other item would fail the same way: stop, record nothing, let a re-run retry them all
      run.fatal ??= err;
      run.stoppedBy ??= "fatal";
      return failed;
    }
    // with somewhere else to go, failures count against the target across items: once it is open, every item
    // in flight leaves it, so a dead region sees about one wave of requests
    const moves = canMove && movesOn(err, { primary: t.primary, shown: false });
    if (moves) {
      run.health.onFailure(t.model, { final: false, errorClass: err.errorClass });
      if (run.health.isOpen(t.model)) return failed;
    }
    const throttled = isThrottle(err);
    if (throttled) {
      run.stats.throttles++;
      run.aimd.onThrottle();
    }
    if (isRetryable(err) && n < run.o.maxAttempts && !run.hardStop.signal.aborted) {
      await pause(run, backoffMs(n - 1, { baseMs: throttled ? (run.o.throttleBaseMs ?? 200) : (run.o.transientBaseMs ?? 100), capMs: 20_000, retryAfterMs: retryAfterMs(err.cause) }));
      if (run.hardStop.signal.aborted) return { ...failed, status: "interrupted" };
      if (moves && run.health.isOpen(t.model)) return failed;
      continue;
    }
    return failed;
  }
}

/** Writes the item's line to OUT once (and, with --save, the item as a conversation). */
/** `files`: the attachments as they were sent, so the saved conversation holds exactly those bytes. */
function record(run: Run, item: BatchItem, model: ModelRef, r: FailoverResult, attempts: number, files: Attachment[]) {
  const { target, error: err } = r;
  // priced as the target that answered (a fallback may be another model or region), at the tier it answered on
  const cost = costOf(r.usage, run.budget.price(target, tierOf(item.features?.serviceTier, r.serviceTier)));
  const line: BatchOutputLine = {
    id: item.id,
    status: err ? "error" : "ok",
    text: r.text,
    usage: r.usage ?? emptyUsage(),
    cost,
    latency_ms: r.latencyMs,
    attempts,
    model: target.model,
    region: target.region,
    model_id: target.modelId,
    failed_attempts: r.failed,
    ...(r.stopReason ? { stop_reason: r.stopReason } : {}),
    ...(err ? { error: { class: err.errorClass, code: err.code, message: err.message } } : {}),
  };
  run.o.out.write(line);
  if (err) run.stats.failed++;
  else {
    run.stats.ok++;
    run.stats.answeredBy[target.model] = (run.stats.answeredBy[target.model] ?? 0) + 1;
  }
  if (run.o.save) {
    const c = newConversation({ model: model.model, region: model.region, model_id: model.modelId, system: item.system ?? run.o.defaults.system, inference_config: { ...run.o.defaults.inference, ...item.inference } });
    const now = new Date().toISOString();
    const parts = files.map((f) => attachmentPart(f, run.o.save));
    c.messages.push({ role: "user", content: [...parts, { text: item.prompt }], timestamp: now });
    recordAnswer(c, { ...r, status: err ? "error" : "complete" }, now, cost);
    saveConversation(c, run.o.save);
  }
}
