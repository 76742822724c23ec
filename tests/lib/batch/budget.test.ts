import { expect, test } from "bun:test";
import { createBudget, DEFAULT_OUTPUT_ESTIMATE } from "../../../lib/batch/budget.ts";
import { priceTable } from "../../../lib/bedrock/prices.ts";

const model = { model: "custom:us-east-1:m", region: "us-east-1", modelId: "m", kind: "foundation-model" as const };
const table = priceTable([{ model_id: "m", region: "us-east-1", tier: "standard", input: 1, output: 10, cache_read: null, cache_write: null, source: "t", date: "d" }]);

test("estimates: the prompt at ~4 characters a token, max_tokens or the average answer so far", () => {
  const b = createBudget(1, table);
  expect(b.estimate(model, "x".repeat(4000), 100)).toBeCloseTo(1000 / 1e6 + 1000 / 1e6, 12);
  expect(b.estimate(model, "")).toBeCloseTo((DEFAULT_OUTPUT_ESTIMATE * 10) / 1e6, 12);
  b.charge(model, { input_tokens: 0, output_tokens: 200, total_tokens: 200 });
  expect(b.estimate(model, "")).toBeCloseTo(2000 / 1e6, 12);
});

test("spend plus in-flight estimates against --max-cost; unknown prices counted apart", () => {
  const b = createBudget(0.01, table);
  expect(b.charge(model, { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 }).usd).toBeCloseTo(0.006, 12);
  expect(b.wouldPass(0.003)).toBe(false);
  b.inFlightUsd = 0.003;
  expect(b.wouldPass(0.002)).toBe(true);
  const unknown = { ...model, modelId: "other", model: "custom:us-east-1:other" };
  expect(b.charge(unknown, { input_tokens: 1, output_tokens: 1, total_tokens: 2 }).usd).toBeNull();
  expect(b.unpriced).toBe(1);
  expect(createBudget(undefined, table).wouldPass(1e9)).toBe(false);
});
