// The one validator for numbers people give: flags, settings and environment variables.
import { usageError } from "./errors.ts";

interface NumberRule {
  /** How the person named it: `--max-tokens`, `chat.maxTokens`, `REDUX_FAILOVER_COOLDOWN`. */
  name: string;
  min: number;
  max: number;
  integer?: boolean;
  /** `seconds`: "a number of seconds". */
  unit?: string;
  /** The hint; default `e.g. NAME <a value in range>`. */
  hint?: string;
}

/** A number within the rule's range, or a usage error naming it; undefined stays undefined. */
export function parseNumber(v: string | number | undefined, r: NumberRule): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : v.trim() === "" ? NaN : Number(v);
  if (!Number.isFinite(n) || n < r.min || n > r.max || (r.integer && !Number.isInteger(n))) {
    const what = r.integer ? "a whole number" : r.unit ? `a number of ${r.unit}` : "a number";
    const example = r.integer ? Math.min(r.max, Math.max(r.min, 1024)) : (r.min + r.max) / 2;
    throw usageError(`${r.name} must be ${what} from ${r.min} to ${r.max}, got ${JSON.stringify(v)}`, r.hint ?? `e.g. ${r.name} ${example}`);
  }
  return n;
}
