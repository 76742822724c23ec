// The price table that ships inside the binaries: USD per million tokens for exact Bedrock model and inference-profile
// ids, per region and tier. Each row names the published source its rates were checked against (README "Prices and
// cost" lists what could and could not be verified); `redux-chat prices --refresh` replaces them with what the AWS
// Price List offer files say today. A model, region or tier not listed has no price.
import type { ProfilePrefix } from "./model-string.ts";
import type { PriceEntry, Tier } from "./prices.ts";

interface Source {
  source: string;
  /** When the source published (or last checked) the rates. */
  date: string;
}

/** Amazon Bedrock's pricing page (US East, N. Virginia), as AWS's own agent-toolkit-for-aws tabulates it. */
const AWS_PAGE: Source = { source: "built-in: Amazon Bedrock pricing page, US East (N. Virginia), per AWS agent-toolkit-for-aws pricing-cache.md", date: "2026-09-03" };
/** The same page's US East (Ohio) tables, in the same file (Nova and Llama rows; the US regions list them alike). */
const AWS_PAGE_OHIO: Source = { source: "built-in: Amazon Bedrock pricing page, US East (Ohio), per AWS agent-toolkit-for-aws pricing-cache.md", date: "2026-09-03" };
/** Geographic (us.) Claude 4.5 profiles: the global rate plus AWS's stated 10% (agent-toolkit-for-aws bedrock_pricing.py). */
const AWS_GEO: Source = { source: "built-in: Amazon Bedrock pricing page, geographic and in-region rate (+10% over global), per AWS agent-toolkit-for-aws bedrock_pricing.py", date: "2026-10-05" };
/** Older Claude models: Anthropic's published list, which Bedrock charges alike for them (no cross-region premium). */
const ANTHROPIC: Source = { source: "built-in: Anthropic's published Claude prices (docs.anthropic.com about-claude/pricing), the rates Bedrock lists for these models", date: "2025-11-01" };

const US = ["us-east-1", "us-east-2", "us-west-2"];

/** input, output, cache read, cache write (USD per 1M tokens); null where AWS publishes no such rate. */
type Rates = [number, number, number | null, number | null];

interface Row {
  /** Exact ids priced alike: a foundation model and the inference profiles AWS prices at the same rates. */
  ids: string[];
  tiers: Partial<Record<Tier, Rates>>;
  from: Source;
  /** The regions the source lists these rates for (default: the three US regions). */
  regions?: string[];
}

/** The id and its inference profiles. A loop, not map and a spread: `redux-export list` prices at start-up, where the first use of each costs more than the rest of this table. */
function claude(id: string, profiles: ProfilePrefix[]): string[] {
  const ids = [id];
  for (const p of profiles) ids.push(`${p}.${id}`);
  return ids;
}

const ROWS: Row[] = [
  { ids: claude("anthropic.claude-3-5-sonnet-20241022-v2:0", ["us"]), tiers: { standard: [3, 15, 0.3, 3.75], batch: [1.5, 7.5, null, null] }, from: ANTHROPIC },
  { ids: claude("anthropic.claude-3-7-sonnet-20250219-v1:0", ["us"]), tiers: { standard: [3, 15, 0.3, 3.75], batch: [1.5, 7.5, null, null] }, from: ANTHROPIC },
  { ids: claude("anthropic.claude-sonnet-4-20250514-v1:0", ["us"]), tiers: { standard: [3, 15, 0.3, 3.75], batch: [1.5, 7.5, null, null] }, from: ANTHROPIC },
  { ids: claude("anthropic.claude-3-5-haiku-20241022-v1:0", ["us"]), tiers: { standard: [0.8, 4, 0.08, 1], batch: [0.4, 2, null, null] }, from: ANTHROPIC },
  { ids: claude("anthropic.claude-3-haiku-20240307-v1:0", ["us"]), tiers: { standard: [0.25, 1.25, null, null], batch: [0.125, 0.625, null, null] }, from: ANTHROPIC },
  { ids: claude("anthropic.claude-opus-4-1-20250805-v1:0", ["us"]), tiers: { standard: [15, 75, 1.5, 18.75], batch: [7.5, 37.5, null, null] }, from: ANTHROPIC },
  // Claude 4.5: the global profile is the base rate; in-region and geographic (us.) profiles cost 10% more
  { ids: ["global.anthropic.claude-sonnet-4-5-20250929-v1:0"], tiers: { standard: [3, 15, 0.3, 3.75], batch: [1.5, 7.5, null, null] }, from: AWS_PAGE },
  { ids: claude("anthropic.claude-sonnet-4-5-20250929-v1:0", ["us"]), tiers: { standard: [3.3, 16.5, 0.33, 4.125] }, from: AWS_GEO },
  { ids: ["global.anthropic.claude-haiku-4-5-20251001-v1:0"], tiers: { standard: [1, 5, 0.1, 1.25], batch: [0.5, 2.5, null, null] }, from: AWS_PAGE },
  { ids: claude("anthropic.claude-haiku-4-5-20251001-v1:0", ["us"]), tiers: { standard: [1.1, 5.5, 0.11, 1.375] }, from: AWS_GEO },
  // Nova: a cache read costs 75% less than the input it replaces; no cache write rate is published
  { ids: claude("amazon.nova-micro-v1:0", ["us"]), tiers: { standard: [0.035, 0.14, 0.00875, null], batch: [0.0175, 0.07, null, null] }, from: AWS_PAGE_OHIO },
  { ids: claude("amazon.nova-lite-v1:0", ["us"]), tiers: { standard: [0.06, 0.24, 0.015, null], batch: [0.03, 0.12, null, null] }, from: AWS_PAGE_OHIO },
  { ids: claude("amazon.nova-pro-v1:0", ["us"]), tiers: { standard: [0.8, 3.2, 0.2, null], batch: [0.4, 1.6, null, null] }, from: AWS_PAGE_OHIO },
  // Nova 2 Lite has flex and priority rates of its own, published for US East (Ohio) only: other regions stay unknown
  {
    ids: ["global.amazon.nova-2-lite-v1:0"],
    tiers: { standard: [0.3, 2.5, null, null], priority: [0.525, 4.375, null, null], flex: [0.15, 1.25, null, null], batch: [0.15, 1.25, null, null] },
    from: AWS_PAGE_OHIO,
    regions: ["us-east-2"],
  },
  {
    ids: claude("amazon.nova-2-lite-v1:0", ["us"]),
    tiers: { standard: [0.33, 2.75, null, null], priority: [0.5775, 4.8125, null, null], flex: [0.165, 1.375, null, null], batch: [0.1595, 1.342, null, null] },
    from: AWS_PAGE_OHIO,
    regions: ["us-east-2"],
  },
  { ids: claude("meta.llama3-3-70b-instruct-v1:0", ["us"]), tiers: { standard: [0.72, 0.72, null, null], batch: [0.36, 0.36, null, null] }, from: AWS_PAGE_OHIO },
];

const entry = (row: Row, model_id: string, region: string, tier: Tier, r: Rates): PriceEntry => ({ model_id, region, tier, input: r[0], output: r[1], cache_read: r[2], cache_write: r[3], source: row.from.source, date: row.from.date });

/** One built-in price, found without building the whole table (what a single turn needs). */
export function builtinPrice(modelId: string, region: string, tier: Tier): PriceEntry | undefined {
  for (const row of ROWS) {
    const r = row.tiers[tier];
    if (r && row.ids.includes(modelId) && (row.regions ?? US).includes(region)) return entry(row, modelId, region, tier, r);
  }
  return undefined;
}

export function builtinPrices(): PriceEntry[] {
  const out: PriceEntry[] = [];
  for (const row of ROWS) {
    for (const [tier, r] of Object.entries(row.tiers) as [Tier, Rates][]) {
      for (const model_id of row.ids) {
        for (const region of row.regions ?? US) {
          out.push(entry(row, model_id, region, tier, r));
        }
      }
    }
  }
  return out;
}
