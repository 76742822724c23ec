import { expect, test } from "bun:test";
import { checkBatchModel, modelInputFor, planJobs, recordIdFor, recordLine } from "../../../lib/batch/records.ts";
import { parseModelString } from "../../../lib/bedrock/model-string.ts";
import type { BatchItem } from "../../../lib/batch/input.ts";

const model = parseModelString("custom:us-east-1:us.amazon.nova-lite-v1:0");
const item = (i: number, extra: Partial<BatchItem> = {}): BatchItem => ({ id: `id ${i}/x`, line: i + 1, prompt: `p${i}`, inference: {}, ...extra });
const many = (n: number) => Array.from({ length: n }, (_, i) => item(i));

test("record ids are alphanumeric; records are Converse bodies with per-item overrides", () => {
  expect(recordIdFor(7)).toBe("R00000007");
  expect(recordIdFor(50_000)).toMatch(/^[A-Za-z0-9]+$/);
  const d = { model, system: "sys", inference: { max_tokens: 100, temperature: 0.5 } };
  expect(modelInputFor(item(1, { system: "own", inference: { max_tokens: 5 } }), d)).toEqual({
    messages: [{ role: "user", content: [{ text: "p1" }] }],
    system: [{ text: "own" }],
    inferenceConfig: { maxTokens: 5, temperature: 0.5 },
  });
  expect(modelInputFor(item(1), { model, inference: {} })).toEqual({ messages: [{ role: "user", content: [{ text: "p1" }] }] });
  expect(JSON.parse(recordLine("R1", item(2), d))).toMatchObject({ recordId: "R1", modelInput: { messages: [{ role: "user" }] } });
});

test("jobs hold at most the maximum and at least the minimum, as even as possible", () => {
  const limits = { min: 100, max: 1000, maxBytes: 1e9 };
  const sizes = (n: number) => planJobs(many(n), { model, inference: {} }, limits).jobs.map((j) => j.items.length);
  expect(sizes(100)).toEqual([100]);
  expect(sizes(1000)).toEqual([1000]);
  expect(sizes(1001)).toEqual([501, 500]);
  expect(sizes(2500)).toEqual([834, 833, 833]);
  expect(planJobs(many(99), { model, inference: {} }, limits)).toMatchObject({ jobs: [], tooFew: expect.any(Array) });
  expect(planJobs(many(99), { model, inference: {} }, limits).tooFew).toHaveLength(99);
  // a byte limit splits too, but never below the minimum
  const byBytes = planJobs(many(300), { model, inference: {} }, { min: 100, max: 1000, maxBytes: 5000 }).jobs;
  expect(byBytes.map((j) => j.items.length)).toEqual([100, 100, 100]);
  // every item in exactly one job, in order
  expect(planJobs(many(2500), { model, inference: {} }, limits).jobs.flatMap((j) => j.items.map((i) => i.id))).toEqual(many(2500).map((i) => i.id));
});

test("items are grouped by model: one model's leftovers below the minimum do not hold back another's job", () => {
  const other = parseModelString("custom:eu-west-1:eu.amazon.nova-pro-v1:0");
  const list = [...many(150), ...Array.from({ length: 10 }, (_, i) => item(1000 + i, { model: other }))];
  const plan = planJobs(list, { model, inference: {} });
  expect(plan.jobs.map((j) => [j.model.model, j.items.length])).toEqual([[model.model, 150]]);
  expect(plan.tooFew.map((i) => i.model?.region)).toEqual(Array(10).fill("eu-west-1"));
});

test("models a Converse batch job cannot run, and records too large, are refused", () => {
  expect(() => checkBatchModel(parseModelString("custom:us-east-1:amazon.titan-embed-text-v2:0"))).toThrow(/cannot run a Converse batch job/);
  expect(() => checkBatchModel(parseModelString("custom:us-east-1:stability.sd3-5-large-v1:0"))).toThrow(/cannot run/);
  expect(() => checkBatchModel(model)).not.toThrow();
  expect(() => planJobs([item(0, { prompt: "x".repeat(2_000_000) })], { model, inference: {} })).toThrow(/makes a record of \d+ bytes/);
});

test("thinking and json_schema travel in the record as ConverseStream sends them; attachments and service_tier are refused", () => {
  const it = item(3, { inference: { thinking: 2048 }, features: { jsonSchema: { schema: { type: "object" }, name: "totals" } } });
  const input = modelInputFor(it, { model, inference: {} }) as Record<string, any>;
  expect(input.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2048 } });
  expect(input.inferenceConfig.maxTokens).toBeGreaterThan(2048);
  expect(input.outputConfig.textFormat).toEqual({ type: "json_schema", structure: { jsonSchema: { schema: '{"type":"object"}', name: "totals" } } });
  expect(() => planJobs([...many(120), item(500, { attachments: ["/tmp/a.pdf"] })], { model, inference: {} })).toThrow(/item "id 500\/x" \(line 501\) has attachments/);
  expect(() => planJobs([...many(120), item(501, { features: { serviceTier: "flex" } })], { model, inference: {} })).toThrow(/has service_tier/);
});
