// Health of each target within one process: a target that just failed is skipped for a cool-down (30 s, or
// REDUX_FAILOVER_COOLDOWN seconds; doubling on each failure after it, up to 10 min), then one request probes it while
// the others keep going elsewhere. So a dead region sees about one wave of requests (what was in flight when it died)
// and then one probe per cool-down, however many items a batch has.

import { parseNumber } from "../numbers.ts";

/** The first cool-down from REDUX_FAILOVER_COOLDOWN (seconds, 0.1 to 3600), else 30 s. */
export function cooldownMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.REDUX_FAILOVER_COOLDOWN;
  if (v === undefined || v === "") return 30_000;
  const n = parseNumber(v, { name: "REDUX_FAILOVER_COOLDOWN", min: 0.1, max: 3600, unit: "seconds", hint: "e.g. REDUX_FAILOVER_COOLDOWN=30" })!;
  return Math.round(n * 1000);
}

interface HealthOptions {
  /** The first cool-down (ms). */
  baseMs?: number;
  maxMs?: number;
  /** Failures in a row, across callers, that open a target before any caller has given up on it. */
  threshold?: number;
  now?: () => number;
}

interface State {
  /** Failures in a row (reset by a success). */
  failures: number;
  /** How many times it has been opened since its last success: the cool-down doubles with each. */
  opened: number;
  /** Skipped until then (0: closed). */
  until: number;
  /** A probe is out since then (0: none). */
  probing: number;
  lastClass?: string;
}

export interface TargetHealth {
  /**
   * May a request go to this target now? Closed: yes. Cooling down: no. Cool-down over: yes for one caller (the probe),
   * which must then report onSuccess or onFailure; the others are told no until it does.
   */
  acquire(key: string): boolean;
  /** Cooling down (or probing) right now. */
  isOpen(key: string): boolean;
  onSuccess(key: string): void;
  /**
   * A failure worth going elsewhere for. `final`: the caller gives up on this target (its retries are spent) and the
   * target opens at once; otherwise it opens after `threshold` failures in a row.
   */
  onFailure(key: string, o: { final: boolean; errorClass?: string }): void;
  /** When a cooling target is next worth a try (ms since the epoch), and why it failed. */
  cooling(key: string): { until: number; errorClass?: string } | undefined;
}

export function createHealth(o: HealthOptions = {}): TargetHealth {
  const baseMs = o.baseMs ?? 30_000;
  const maxMs = o.maxMs ?? 600_000;
  const threshold = o.threshold ?? 3;
  const now = o.now ?? Date.now;
  const states = new Map<string, State>();
  const get = (key: string) => {
    let s = states.get(key);
    if (!s) states.set(key, (s = { failures: 0, opened: 0, until: 0, probing: 0 }));
    return s;
  };
  const open = (s: State) => {
    s.opened++;
    s.until = now() + Math.min(baseMs * 2 ** (s.opened - 1), maxMs);
    s.probing = 0;
  };
  return {
    acquire(key) {
      const s = get(key);
      if (s.until === 0) return true;
      const t = now();
      if (t < s.until) return false;
      // a probe that never reported (its caller was stopped) is given up after one more base cool-down
      if (s.probing && t - s.probing < baseMs) return false;
      s.probing = t;
      return true;
    },
    isOpen: (key) => get(key).until !== 0,
    onSuccess(key) {
      const s = get(key);
      s.failures = 0;
      s.opened = 0;
      s.until = 0;
      s.probing = 0;
    },
    onFailure(key, f) {
      const s = get(key);
      s.failures++;
      s.lastClass = f.errorClass ?? s.lastClass;
      if (s.until !== 0) {
        // the probe failed: a longer cool-down. The rest of a wave that was already in flight changes nothing.
        if (s.probing) open(s);
        return;
      }
      if (f.final || s.failures >= threshold) open(s);
    },
    cooling(key) {
      const s = states.get(key);
      return s && s.until !== 0 ? { until: s.until, errorClass: s.lastClass } : undefined;
    },
  };
}
