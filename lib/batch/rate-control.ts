// Adaptive concurrency and retry delays for batch runs: additive increase, multiplicative decrease on throttling,
// and jittered exponential backoff that honours Retry-After.

export interface Aimd {
  readonly limit: number;
  onThrottle(now?: number): void;
  onSuccess(): void;
}

/**
 * Starts at `max`. A throttle halves the limit (at most once per `cooldownMs`, so one burst of throttles counts once);
 * every `limit` successes in a row add one, back up to `max`.
 */
export function createAimd(max: number, cooldownMs = 1000): Aimd {
  let limit = max;
  let streak = 0;
  let lastCut = -Infinity;
  return {
    get limit() {
      return limit;
    },
    onThrottle(now = Date.now()) {
      streak = 0;
      if (now - lastCut < cooldownMs) return;
      lastCut = now;
      limit = Math.max(1, Math.floor(limit / 2));
    },
    onSuccess() {
      if (limit >= max) return;
      if (++streak >= limit) {
        streak = 0;
        limit++;
      }
    },
  };
}

/** `random() * min(base * 2^attempt, cap)`, but never less than the server's Retry-After (capped at `cap`). */
export function backoffMs(attempt: number, o: { baseMs: number; capMs: number; retryAfterMs?: number; random?: () => number }): number {
  const rnd = o.random ?? Math.random;
  const computed = rnd() * Math.min(o.baseMs * 2 ** attempt, o.capMs);
  return o.retryAfterMs !== undefined ? Math.max(computed, Math.min(o.retryAfterMs, o.capMs)) : computed;
}

/** Retry-After (seconds, or an HTTP date) or x-amz-retry-after (ms) from an SDK error's raw response. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = (err as { $response?: { headers?: Record<string, string> } })?.$response?.headers ?? {};
  const amz = headers["x-amz-retry-after"];
  if (amz && /^\d+$/.test(amz)) return Number(amz);
  const ra = headers["retry-after"];
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Number(ra) * 1000;
  const t = Date.parse(ra);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
