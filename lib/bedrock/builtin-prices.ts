// The price table that ships inside the binaries: USD per million tokens for exact Bedrock model and inference-profile
// ids, per region and tier. Transcribed from AWS's published Bedrock prices (US regions); `redux-chat prices --refresh`
// replaces them with what the AWS Price List offer files say today. A model, region or tier not listed has no price.
import type { PriceEntry, Tier } from "./prices.ts";

const SOURCE = "built-in: AWS Bedrock pricing page (transcribed)";
const DATE = "2025-11-01";
const US = ["us-east-1", "us-east-2", "us-west-2"];

/** input, output, cache read, cache write (USD per 1M tokens); null where AWS publishes no such rate. */
type Rates = [number, number, number | null, number | null];

interface Row {
  /** Exact ids priced alike: a foundation model and the inference profiles AWS prices at the same rates. */
  ids: string[];
  tiers: Partial<Record<Tier, Rates>>;
}

const claude = (id: string, profiles: string[]) => [id, ...profiles.map((p) => `${p}.${id}`)];

const ROWS: Row[] = [
  { ids: claude("anthropic.claude-3-5-sonnet-20241022-v2:0", ["us"]), tiers: { standard: [3, 15, 0.3, 3.75], batch: [1.5, 7.5, null, null] } },
  { ids: claude("anthropic.claude-3-7-sonnet-20250219-v1:0", ["us"]), tiers: { standard: [3, 15, 0.3, 3.75], batch: [1.5, 7.5, null, null] } },
  { ids: claude("anthropic.claude-sonnet-4-20250514-v1:0", ["us"]), tiers: { standard: [3, 15, 0.3, 3.75], batch: [1.5, 7.5, null, null] } },
  { ids: claude("anthropic.claude-3-5-haiku-20241022-v1:0", ["us"]), tiers: { standard: [0.8, 4, 0.08, 1], batch: [0.4, 2, null, null] } },
  { ids: claude("anthropic.claude-3-haiku-20240307-v1:0", ["us"]), tiers: { standard: [0.25, 1.25, null, null], batch: [0.125, 0.625, null, null] } },
  { ids: claude("anthropic.claude-opus-4-1-20250805-v1:0", ["us"]), tiers: { standard: [15, 75, 1.5, 18.75], batch: [7.5, 37.5, null, null] } },
  // Claude 4.5: the global profile is the base rate; in-region and geographic (us.) profiles cost 10% more
  { ids: ["global.anthropic.claude-sonnet-4-5-20250929-v1:0"], tiers: { standard: [3, 15, 0.3, 3.75] } },
  { ids: claude("anthropic.claude-sonnet-4-5-20250929-v1:0", ["us"]), tiers: { standard: [3.3, 16.5, 0.33, 4.125] } },
  { ids: ["global.anthropic.claude-haiku-4-5-20251001-v1:0"], tiers: { standard: [1, 5, 0.1, 1.25] } },
  { ids: claude("anthropic.claude-haiku-4-5-20251001-v1:0", ["us"]), tiers: { standard: [1.1, 5.5, 0.11, 1.375] } },
  { ids: claude("amazon.nova-micro-v1:0", ["us"]), tiers: { standard: [0.035, 0.14, 0.00875, null], batch: [0.0175, 0.07, null, null] } },
  { ids: claude("amazon.nova-lite-v1:0", ["us"]), tiers: { standard: [0.06, 0.24, 0.015, null], batch: [0.03, 0.12, null, null] } },
  { ids: claude("amazon.nova-pro-v1:0", ["us"]), tiers: { standard: [0.8, 3.2, 0.2, null], batch: [0.4, 1.6, null, null] } },
  { ids: claude("meta.llama3-3-70b-instruct-v1:0", ["us"]), tiers: { standard: [0.72, 0.72, null, null], batch: [0.36, 0.36, null, null] } },
];

export function builtinPrices(): PriceEntry[] {
  const out: PriceEntry[] = [];
  for (const row of ROWS) {
    for (const [tier, r] of Object.entries(row.tiers) as [Tier, Rates][]) {
      for (const model_id of row.ids) {
        for (const region of US) {
          out.push({ model_id, region, tier, input: r[0], output: r[1], cache_read: r[2], cache_write: r[3], source: SOURCE, date: DATE });
        }
      }
    }
  }
  return out;
}
