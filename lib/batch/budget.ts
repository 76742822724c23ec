// The money side of a batch run: what each attempt cost, what the run has spent, and whether one more item (with the
// items in flight counted at their estimates) could pass --max-cost. Prices are on-demand (the standard tier, or the
// item's flex or priority service tier): the prompts go through ConverseStream, not a Bedrock batch job.
import { costOf, priceFor, type Cost, type PriceEntry, type PriceTable, type Tier, loadPrices } from "../bedrock/prices.ts";
import type { ModelRef } from "../bedrock/model-string.ts";
import type { Usage } from "../conversations/conversation.ts";

/** Output tokens assumed for an item before any item has finished, when it sets no max_tokens. */
export const DEFAULT_OUTPUT_ESTIMATE = 1024;

/** What a price is looked up by: a model reference or a failover target. */
type Priced = Pick<ModelRef, "modelId" | "region">;

export interface Budget {
  readonly maxUsd?: number;
  /** Known cost of every attempt so far (failed ones too: Bedrock bills what it read and wrote). */
  spentUsd: number;
  /** Attempts that used tokens at an unknown price. */
  unpriced: number;
  /** Estimated cost of the items in flight. */
  inFlightUsd: number;
  /** The price at a tier (standard unless said); none for a null tier (one without per-token prices). */
  price(model: Priced, tier?: Tier | null): PriceEntry | undefined;
  /** Adds an attempt's usage to the spend and returns its cost. */
  charge(model: Priced, usage: Usage | undefined, tier?: Tier | null): Cost;
  /** An item's likely cost: its prompt at about 4 characters a token, and max_tokens (or the average answer so far). */
  estimate(model: Priced, text: string, maxTokens?: number, tier?: Tier | null): number;
  /** True when launching an item estimated at `usd` could take the run past --max-cost. */
  wouldPass(usd: number): boolean;
}

export function createBudget(maxUsd?: number, table: PriceTable = loadPrices()): Budget {
  let outputs = 0;
  let answers = 0;
  const b: Budget = {
    maxUsd,
    spentUsd: 0,
    unpriced: 0,
    inFlightUsd: 0,
    price: (m, tier = "standard") => (tier ? priceFor(m.modelId, m.region, tier, table) : undefined),
    charge(model, usage, tier) {
      const cost = costOf(usage, b.price(model, tier));
      if (usage) {
        outputs += usage.output_tokens;
        answers++;
        if (cost.usd === null) b.unpriced++;
        else b.spentUsd += cost.usd;
      }
      return cost;
    },
    estimate(model, text, maxTokens, tier) {
      const output = maxTokens ?? (answers ? Math.ceil(outputs / answers) : DEFAULT_OUTPUT_ESTIMATE);
      return costOf({ input_tokens: Math.ceil(text.length / 4), output_tokens: output }, b.price(model, tier)).usd ?? 0;
    },
    wouldPass: (usd) => maxUsd !== undefined && b.spentUsd + b.inFlightUsd + usd > maxUsd,
  };
  return b;
}
