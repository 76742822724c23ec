import { expect, test } from "bun:test";
import { parseBatchInput } from "../../../lib/batch/input.ts";
import { assertValid } from "../../schema.ts";

test("plain text: one prompt a line, id = line number, blank lines skipped", () => {
  expect(parseBatchInput("a\n\nc\r\n", { source: "in" }).map((i) => [i.id, i.prompt])).toEqual([["1", "a"], ["3", "c"]]);
});

test("JSONL: per-item overrides, numeric ids, validated against the schema", () => {
  const lines = [
    { id: "x1", prompt: "hello", system: "s", model: "custom:eu-west-1:m", max_tokens: 5, temperature: 0.5, top_p: 0.9, stop: ["END"] },
    { id: 7, prompt: "bare", model: "bare.model:0" },
  ];
  for (const l of lines) assertValid("batch-input.schema.json", l);
  const items = parseBatchInput(lines.map((l) => JSON.stringify(l)).join("\n"), { source: "in", defaultRegion: "us-west-2" });
  expect(items[0]).toMatchObject({ id: "x1", system: "s", model: { region: "eu-west-1", modelId: "m" }, inference: { max_tokens: 5, temperature: 0.5, top_p: 0.9, stop_sequences: ["END"] } });
  expect(items[1]).toMatchObject({ id: "7", model: { region: "us-west-2", modelId: "bare.model:0" } });
});

test("bad lines are usage errors naming the line, before anything is sent", () => {
  const bad: [string, RegExp][] = [
    ['{"id":"a","prompt":"x"}\nnot json', /line 2 is not JSON/],
    ['{"id":"a","prompt":"x"}\n{"id":"a","prompt":"y"}', /line 2: id "a" appears twice/],
    ['{"id":"","prompt":"x"}', /"id"/],
    ['{"id":"a","prompt":""}', /"prompt"/],
    ['{"id":"a","prompt":"x","colour":"red"}', /unknown field "colour"/],
    ['{"id":"a","prompt":"x","max_tokens":0}', /line 1: max_tokens/],
    ['{"id":"a","prompt":"x","model":"custom:nowhere-1:m"}', /line 1: invalid region/],
    ['{"id":"a","prompt":"x","temperature":"hot"}', /"temperature" must be a number/],
  ];
  for (const [input, re] of bad) expect(() => parseBatchInput(input, { source: "in" })).toThrow(re);
});

test("format: auto picks JSONL by the first non-blank line; text and jsonl force it", () => {
  const braces = "{not json} a prompt\nsecond";
  expect(() => parseBatchInput(braces, { source: "in" })).toThrow(/line 1 is not JSON/);
  expect(parseBatchInput(braces, { source: "in", format: "text" }).map((i) => i.prompt)).toEqual(["{not json} a prompt", "second"]);
  expect(() => parseBatchInput("plain prompt", { source: "in", format: "jsonl" })).toThrow(/line 1 is not JSON/);
});
