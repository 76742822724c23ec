// Multi-region failover: which failures move a turn to the next target, and the loop that walks the targets in
// order (skipping those cooling down), so a turn one region cannot serve is answered by the next, and the record says
// which target answered and what failed before it.
import { AWS_ERROR_NAMES, ReduxError, ExitCode, awsErrorName } from "../errors.ts";
import type { TurnResult } from "./runtime.ts";
import type { Target } from "./targets.ts";
import type { TargetHealth } from "./health.ts";

/** One target that failed before the answer (batch lines, --json, saved turns). */
export interface FailedAttempt {
  /** The target's model string, custom:<region>:<model-id>. */
  target: string;
  class: string;
  message: string;
}

export interface FailoverResult extends TurnResult {
  /** The target that answered, or the last one tried. */
  target: Target;
  failed: FailedAttempt[];
}

// exceptions the service sends inside the answer stream (throttling and unavailable ones too), and stream cut-offs:
// a fresh request elsewhere is safe as long as none of the text reached the user
const inStream = (name: string) =>
  name === "ModelStreamErrorException" || name === "InternalFailure" || AWS_ERROR_NAMES.throttling.has(name) || AWS_ERROR_NAMES.unavailable.has(name);

/**
 * Would the next target be worth a try? Throttling (after the retries), unavailable, internal errors, models not
 * ready or timing out, connection failures and timeouts, and in-stream errors: yes, unless text was already shown.
 * Access denied, validation, no credentials, Ctrl-C: never. Model not found: only for a fallback (a wrong id the user
 * named stays an error).
 */
export function movesOn(err: ReduxError, o: { primary: boolean; shown: boolean }): boolean {
  if (o.shown) return false;
  if (err.code === ExitCode.interrupted || err.code === ExitCode.credentials || err.code === ExitCode.usage) return false;
  const name = awsErrorName(err);
  if (AWS_ERROR_NAMES.access.has(name) || name === "ValidationException") return false;
  if (name === "ResourceNotFoundException") return !o.primary;
  if (err.code === ExitCode.unavailable) return true;
  return inStream(name) || /the answer stream (ended|was cut off)|Bedrock failed inside the answer stream/.test(err.message);
}

interface FailoverOptions {
  targets: Target[];
  health: TargetHealth;
  /** One target's try (with whatever retries the caller does within a target). */
  attempt(target: Target): Promise<TurnResult>;
  /** Whether any text of the current try has been shown to the user (stdout): then the turn is never restarted. */
  shown(): boolean;
  /** --debug: each switch and each skipped target. */
  debug?: (line: string) => void;
  now?: () => number;
}

const failedOf = (t: Target, e: ReduxError): FailedAttempt => ({ target: t.model, class: e.errorClass, message: e.message });

/**
 * Walks the targets in order: each that is not cooling down gets a try; a failure that moves on marks it in `health`
 * and goes to the next. When every target is cooling down, they are tried anyway, soonest-ready first (a person asked
 * for an answer). When all fail, the error has the last target's exit code and names every target with its class.
 */
export async function answerWithFailover(o: FailoverOptions): Promise<FailoverResult> {
  const now = o.now ?? Date.now;
  const failed: FailedAttempt[] = [];
  const skipped: { target: Target; until: number; errorClass?: string }[] = [];
  let last: { target: Target; result: TurnResult } | undefined;

  const tryOne = async (t: Target, next: () => Target | undefined): Promise<FailoverResult | undefined> => {
    const r = await o.attempt(t);
    if (r.status === "complete" || !r.error) {
      o.health.onSuccess(t.model);
      return { ...r, target: t, failed };
    }
    if (r.status === "interrupted" || !movesOn(r.error, { primary: t.primary, shown: o.shown() })) return { ...r, target: t, failed };
    o.health.onFailure(t.model, { final: true, errorClass: r.error.errorClass });
    failed.push(failedOf(t, r.error));
    last = { target: t, result: r };
    const n = next();
    if (n) o.debug?.(`failover: ${t.model} failed (${r.error.errorClass}: ${r.error.message}); trying ${n.model}`);
    return undefined;
  };

  const ready = o.targets.filter((t) => {
    if (o.health.acquire(t.model)) return true;
    const c = o.health.cooling(t.model);
    skipped.push({ target: t, until: c?.until ?? 0, errorClass: c?.errorClass });
    o.debug?.(`failover: skipping ${t.model}: cooling down for ${Math.max(0, Math.ceil(((c?.until ?? 0) - now()) / 1000))} s after ${c?.errorClass ?? "a failure"}`);
    return false;
  });
  const order = ready.length ? ready : skipped.sort((a, b) => a.until - b.until).map((s) => s.target);
  if (!ready.length && order.length) o.debug?.("failover: every target is cooling down; trying them anyway, soonest-ready first");
  for (let i = 0; i < order.length; i++) {
    const done = await tryOne(order[i]!, () => order[i + 1]);
    if (done) return done;
  }
  const { target, result } = last!;
  // the last target is the one the record names; the attempts before it are the others
  const before = failed.slice(0, -1);
  const listed = [
    ...failed.map((f) => `${f.target} (${f.class})`),
    ...(ready.length ? skipped.map((s) => `${s.target.model} (skipped: cooling down after ${s.errorClass ?? "a failure"})`) : []),
  ];
  const e = result.error!;
  const error = o.targets.length > 1
    ? new ReduxError(e.code, `every target failed: ${listed.join(", ")}; last: ${e.message}`, e.hint, { cause: e.cause })
    : e;
  return { ...result, error, target, failed: before };
}

/** The one line that says an answer came from a fallback, and why the targets before it did not answer. */
export const fallbackNote = (r: { target: { model: string }; failed: FailedAttempt[] }) =>
  `answered by fallback ${r.target.model} (${r.failed.length ? r.failed.map((f) => `${f.target}: ${f.class}`).join("; ") : "the targets before it are cooling down"})`;
