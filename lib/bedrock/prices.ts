// Prices and cost: which price applies to an exact model or inference-profile id, region and tier (the user's
// ~/.amazon-q/prices.json first, then the table built into the binaries), and what a turn's usage cost at that price.
// A model with no known price costs `null` ("unknown"), never 0.
// (node:fs and node:path are left out: `redux-export list` prices conversations at start-up)
import { joinPath, reduxDir } from "../paths.ts";
import { builtinPrice, builtinPrices } from "./builtin-prices.ts";
import { overrideEntriesOf } from "./price-slices.ts";
import type * as NodeFs from "node:fs";

export type Tier = "standard" | "batch" | "flex" | "priority";
const TIERS: readonly Tier[] = ["standard", "batch", "flex", "priority"];

/** One price (schemas/prices.schema.json): USD per million tokens; null where no rate is known. */
export interface PriceEntry {
  model_id: string;
  region: string;
  tier: Tier;
  input: number | null;
  output: number | null;
  cache_read: number | null;
  cache_write: number | null;
  /** Where the price comes from: the built-in table, or the offer file a refresh read. */
  source: string;
  /** When that source published it (ISO date). */
  date: string;
}

/** The override file `redux-chat prices --refresh` writes (schemas/prices.schema.json). */
export interface PriceFile {
  version: 1;
  updated_at: string;
  source_url: string;
  entries: PriceEntry[];
}

/** What a usage cost (USD); each part null when its rate is unknown, `usd` null when any used part is. */
export interface Cost {
  usd: number | null;
  input: number | null;
  output: number | null;
  cache_read: number | null;
  cache_write: number | null;
  price_source: string | null;
}

export interface UsageTokens {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_write_input_tokens?: number;
}

export interface PriceTable {
  entries: PriceEntry[];
  /** The override file read, when there is one. */
  overridePath?: string;
  /** Why the override file was not used (damaged, unreadable); the built-in table applies then. */
  problem?: string;
  lookup(modelId: string, region: string, tier: Tier): PriceEntry | undefined;
}

export const pricesPath = (env: NodeJS.ProcessEnv = process.env) => joinPath(reduxDir(env), "prices.json");


/** The order prices are listed and stored in: by model id, then region, then tier. */
export const byPriceKey = (a: PriceEntry, b: PriceEntry) => a.model_id.localeCompare(b.model_id) || a.region.localeCompare(b.region) || a.tier.localeCompare(b.tier);

const key = (modelId: string, region: string, tier: Tier) => `${tier}\u0000${region}\u0000${modelId}`;

/** A table from entries, later ones winning (override entries go after the built-in ones). */
export function priceTable(entries: PriceEntry[], extra: Pick<PriceTable, "overridePath" | "problem"> = {}): PriceTable {
  const map = new Map<string, PriceEntry>();
  for (const e of entries) map.set(key(e.model_id, e.region, e.tier), e);
  return { entries: [...map.values()], ...extra, lookup: (m, r, t) => map.get(key(pricingId(m), r, t)) };
}

/**
 * The id a price is keyed by. Foundation-model and system-defined inference-profile ARNs name the same thing as
 * their last segment; anything else (application profiles, provisioned throughput) is priced only by its exact id.
 */
export function pricingId(modelId: string): string {
  // most ids are not ARNs: the test is cheaper than a first run of the pattern (a turn prices one id, cold)
  if (!modelId.startsWith("arn:")) return modelId;
  const m = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d*:(?:foundation-model|inference-profile)\/([^/]+)$/.exec(modelId);
  return m ? m[1]! : modelId;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
// a rate is null (unknown) or a finite number >= 0 (NaN fails `>= 0`, Infinity fails `< Infinity`)
const rate = (v: unknown) => v === null || (typeof v === "number" && v >= 0 && v < Infinity);

/**
 * The schema's region pattern, `^[a-z]{2}(-[a-z]+)+-\d+$`, checked by hand: compiling that pattern on a turn's first
 * price was a tenth of what pricing the turn cost (0.06 ms of CPU, npm run bench). Character codes: 45 is -, 48-57 are
 * the digits, 97-122 the lower-case letters (inline: each helper's first call costs a turn's pricing microseconds).
 */
export function regionShaped(s: string): boolean {
  let end = s.length;
  for (let c = s.charCodeAt(end - 1); end > 0 && c >= 48 && c <= 57; c = s.charCodeAt(--end - 1));
  // s[0, end) ends in the - before the digits, and has two letters, then one or more -letters, before it
  if (end === s.length || end < 5 || s.charCodeAt(end - 1) !== 45 || !(s.charCodeAt(0) >= 97 && s.charCodeAt(0) <= 122 && s.charCodeAt(1) >= 97 && s.charCodeAt(1) <= 122)) return false;
  for (let i = 2; i < end - 1; ) {
    if (s.charCodeAt(i++) !== 45) return false;
    const from = i;
    for (let c = s.charCodeAt(i); i < end - 1 && c >= 97 && c <= 122; c = s.charCodeAt(++i));
    if (i === from) return false;
  }
  return true;
}
const TIER_SET: ReadonlySet<unknown> = new Set(TIERS);

/** Whether `e` is a valid price entry (schemas/prices.schema.json). */
export function validEntry(v: unknown): v is PriceEntry {
  const e = v as Record<string, unknown>;
  return (
    typeof e === "object" && e !== null &&
    typeof e.model_id === "string" && e.model_id !== "" &&
    typeof e.region === "string" && regionShaped(e.region) &&
    TIER_SET.has(e.tier) &&
    rate(e.input) && rate(e.output) && rate(e.cache_read) && rate(e.cache_write) &&
    typeof e.source === "string" && typeof e.date === "string"
  );
}

/** Validates a parsed prices.json; throws an Error saying what is wrong. */
export function parsePriceFile(v: unknown): PriceFile {
  if (!isObj(v) || v.version !== 1 || !Array.isArray(v.entries)) throw new Error("not a redux prices file (version 1 with entries)");
  const entries = v.entries as unknown[];
  for (let i = 0; i < entries.length; i++) if (!validEntry(entries[i])) throw new Error(`entries[${i}] is not a valid price`);
  return v as unknown as PriceFile;
}

/** The override file's entries, or why it cannot be used; undefined when there is none. */
export function readPriceFile(path: string): { file?: PriceFile; problem?: string } {
  let text: string;
  try {
    // node:fs only here: a lookup reads the file whole only when it exists (lib/bedrock/price-slices.ts)
    text = (require("node:fs") as typeof NodeFs).readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    return { problem: `cannot read ${path}: ${(err as Error).message}` };
  }
  try {
    return { file: parsePriceFile(JSON.parse(text)) };
  } catch (err) {
    return { problem: `${path} is not usable (${(err as Error).message}); the built-in prices apply` };
  }
}

let cached: { path: string; table: PriceTable } | undefined;

/**
 * The prices in force: the built-in table overlaid with ~/.amazon-q/prices.json. Read once per process, and lazily: a
 * lookup needs only its model's override entries, which come from a slice of the file cut when it was last read whole
 * (lib/bedrock/price-slices.ts); the whole file is read only when a slice is not current, or when the merged list,
 * the file's path or its problem is asked for.
 */
export function loadPrices(env: NodeJS.ProcessEnv = process.env): PriceTable {
  const path = pricesPath(env);
  if (cached?.path === path) return cached.table;
  let whole: { file?: PriceFile; problem?: string } | undefined;
  const readWhole = () => (whole ??= readPriceFile(path));
  // each id's override entries, in file order
  const byId = new Map<string, PriceEntry[]>();
  let merged: PriceEntry[] | undefined;
  const table: PriceTable = {
    get entries() {
      return (merged ??= priceTable([...builtinPrices(), ...(readWhole().file?.entries ?? [])]).entries);
    },
    get overridePath() {
      return readWhole().file ? path : undefined;
    },
    get problem() {
      return readWhole().problem;
    },
    lookup: (m, r, t) => {
      const id = pricingId(m);
      let own = byId.get(id);
      if (!own) {
        own = whole ? (whole.file?.entries.filter((e) => e.model_id === id) ?? []) : (overrideEntriesOf(path, id, () => readWhole().file?.entries, env) ?? []);
        byId.set(id, own);
      }
      // the last match wins, as in the merged table
      for (let i = own.length - 1; i >= 0; i--) if (own[i]!.region === r && own[i]!.tier === t) return own[i];
      return builtinPrice(id, r, t);
    },
  };
  cached = { path, table };
  return table;
}

/** Forgets the table read by loadPrices (after a refresh, and in tests). */
export const clearPriceCache = () => void (cached = undefined);

/** The price of an exact model or profile id in a region and tier, or undefined when none is known. */
export function priceFor(modelId: string, region: string, tier: Tier = "standard", table: PriceTable = loadPrices()): PriceEntry | undefined {
  return table.lookup(modelId, region, tier);
}

const UNKNOWN: Cost = { usd: null, input: null, output: null, cache_read: null, cache_write: null, price_source: null };

// sums of float products drift (0.1 + 0.2); a micro-dollar's millionth is far below anything AWS bills
const round = (usd: number) => Math.round(usd * 1e12) / 1e12;

const part = (tokens: number | undefined, perMillion: number | null) => (!tokens ? 0 : perMillion === null ? null : round((tokens * perMillion) / 1e6));
// added in this order from 0, as a reduce over the four did (no Array method: `redux-export list` prices at start-up)
const total = (input: number | null, output: number | null, cacheRead: number | null, cacheWrite: number | null) =>
  input === null || output === null || cacheRead === null || cacheWrite === null ? null : round(0 + input + output + cacheRead + cacheWrite);

/**
 * costOf(usage, price).usd without the rest of the Cost: `redux-export list` prices every answer of every
 * conversation it reads, and wants only the sum.
 */
export function costUsd(usage: UsageTokens | undefined, price: PriceEntry | undefined): number | null {
  if (!price) return null;
  return total(part(usage?.input_tokens, price.input), part(usage?.output_tokens, price.output), part(usage?.cache_read_input_tokens, price.cache_read), part(usage?.cache_write_input_tokens, price.cache_write));
}

/** What `usage` cost at `price`: unknown (all null) without a price, and a part is null when its rate is unknown. */
export function costOf(usage: UsageTokens | undefined, price: PriceEntry | undefined): Cost {
  if (!price) return { ...UNKNOWN };
  const input = part(usage?.input_tokens, price.input);
  const output = part(usage?.output_tokens, price.output);
  const cache_read = part(usage?.cache_read_input_tokens, price.cache_read);
  const cache_write = part(usage?.cache_write_input_tokens, price.cache_write);
  const usd = total(input, output, cache_read, cache_write);
  // a rate other than on-demand says which tier it is, so a flex, priority or batch cost is never read as standard
  const tier = price.tier === "standard" ? "" : `, ${price.tier} tier`;
  return { usd, input, output, cache_read, cache_write, price_source: `${price.source} (${price.date})${tier}` };
}

/**
 * The tier a turn is priced at: the one Bedrock says it answered on (the response's `serviceTier`), else the one asked
 * for (`--service-tier`, a batch line's `service_tier`): a priority request Bedrock served at the standard tier is
 * billed at standard. `reserved` (billed for the reserved capacity, not per token) and any tier redux does not know
 * have no per-token price: null, so the cost is unknown rather than the standard price.
 */
export function tierOf(asked?: string, answered?: string): Tier | null {
  const t = answered ?? asked;
  if (t === undefined || t === "default" || t === "standard") return "standard";
  return t === "priority" || t === "flex" ? t : null;
}

/** Cost of one turn of a model in a region at a tier's prices (standard: on-demand), as saved with the turn; a null tier has no price. */
export const turnCost = (modelId: string, region: string, usage: UsageTokens | undefined, tier: Tier | null = "standard") =>
  costOf(usage, tier ? priceFor(modelId, region, tier) : undefined);

/** Cost at a model string's price (`custom:<region>:<id>`, e.g. a batch line's model); unknown when it does not parse. */
export function modelCost(model: string, usage: UsageTokens | undefined, tier: Tier | null = "standard"): Cost {
  const m = /^custom:([a-z0-9-]+):(.+)$/.exec(model);
  return costOf(usage, m && tier ? priceFor(m[2]!, m[1]!, tier) : undefined);
}

/** A cost for people: `$0.0000088`, or `cost unknown`. */
export const costText = (c: Cost | null | undefined) => (c?.usd == null ? "cost unknown" : formatUsd(c.usd));

/** `$0.0123`, `$1.23`, or `unknown`: enough digits to see a single small turn. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "unknown";
  if (usd === 0) return "$0";
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd >= 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(Math.min(10, 1 - Math.floor(Math.log10(usd))))}`;
}
