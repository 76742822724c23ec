// Tokens and dollars end to end: cache tokens and cost in --json and the saved file, the --usage line, REPL-free
// surfaces (test-model, batch lines and budget, export list and usage), CountTokens, all from the compiled binaries.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";
import { assertValid, assertValidConversation } from "../schema.ts";

// priced in the built-in table: $0.80 in, $4 out, $0.08 cache read, $1 cache write per million tokens (us-east-1)
const HAIKU = "custom:us-east-1:us.anthropic.claude-3-5-haiku-20241022-v1:0";
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const chat = (args: string[], e = env) => run(bin("redux-chat"), args, { env: e });
const convDir = () => join(home, ".amazon-q", "conversations");
const savedConversations = () => readdirSync(convDir()).filter((n) => n.endsWith(".json")).map((n) => JSON.parse(readFileSync(join(convDir(), n), "utf8")));
/** A user prices file: the realistic way to price the fake's made-up model ids. */
function writePrices(entries: object[]) {
  mkdirSync(join(home, ".amazon-q"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, ".amazon-q", "prices.json"), JSON.stringify({ version: 1, updated_at: new Date().toISOString(), source_url: "test", entries }), { mode: 0o600 });
}
const fakePrice = (model_id: string, input: number, output: number) => ({ model_id, region: "us-east-1", tier: "standard", input, output, cache_read: null, cache_write: null, source: "test prices", date: "2026-11-30" });

describe("one-shot cost", () => {
  test("--json carries cache tokens and the cost of each part; the saved answer keeps both", async () => {
    fake.setCacheTokens(2000, 500);
    const r = await chat(["-m", HAIKU, "--json", "one two three"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    assertValid("chat-output.schema.json", out);
    const u = out.usage;
    expect(u).toMatchObject({ cache_read_input_tokens: 2000, cache_write_input_tokens: 500 });
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens + 2500);
    expect(out.cost.input).toBeCloseTo((u.input_tokens * 0.8) / 1e6, 12);
    expect(out.cost.output).toBeCloseTo((u.output_tokens * 4) / 1e6, 12);
    expect(out.cost.cache_read).toBeCloseTo(0.00016, 12);
    expect(out.cost.cache_write).toBeCloseTo(0.0005, 12);
    expect(out.cost.usd).toBeCloseTo(out.cost.input + out.cost.output + 0.00016 + 0.0005, 12);
    expect(out.cost.price_source).toContain("built-in");
    const [c] = savedConversations();
    assertValidConversation(c);
    expect(c.messages[1].usage).toEqual(u);
    expect(c.messages[1].cost).toEqual(out.cost);
    expect(c.usage).toEqual(u);
  });

  test("a model with no known price: cost fields are null, never 0", async () => {
    const r = await chat(["-m", "custom:us-east-1:fake.unpriced", "--json", "--no-save", "hi"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    assertValid("chat-output.schema.json", out);
    expect(out.cost).toEqual({ usd: null, input: null, output: null, cache_read: null, cache_write: null, price_source: null });
  });

  test("--usage (or chat.showUsage) prints one line on stderr; stdout stays the answer", async () => {
    let r = await chat(["-m", HAIKU, "--no-save", "--usage", "hello"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hello\n");
    expect(r.stderr).toMatch(/^usage: 1 in · 2 out · 3 total tokens · \$0\.0000088 · \d+ ms\n$/);
    r = await chat(["-m", "custom:us-east-1:fake.unpriced", "--no-save", "--usage", "hello"]);
    expect(r.stderr).toMatch(/^usage: .* · cost unknown · \d+ ms\n$/);
    expect((await chat(["settings", "chat.showUsage", "true"])).code).toBe(0);
    r = await chat(["-m", HAIKU, "--no-save", "hello"]);
    expect(r.stderr).toMatch(/^usage: 1 in · 2 out/);
    r = await chat(["-m", HAIKU, "--no-save", "-q", "hello"]);
    expect(r.stderr).toBe("");
    expect((await chat(["settings", "chat.showUsage", "maybe"])).code).toBe(2);
  });

  test("the user's prices file overrides the built-in table", async () => {
    writePrices([fakePrice("us.anthropic.claude-3-5-haiku-20241022-v1:0", 1000, 0)]);
    const out = JSON.parse((await chat(["-m", HAIKU, "--json", "--no-save", "hi"])).stdout);
    expect(out.cost).toMatchObject({ input: out.usage.input_tokens * 0.001, output: 0, price_source: "test prices (2026-11-30)" });
  });
});

describe("--count-tokens", () => {
  test("prints the input size from CountTokens without invoking the model or saving", async () => {
    const r = await chat(["-m", HAIKU, "-s", "be brief", "--count-tokens", "one two three"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("5\n");
    expect(fake.requests.map((q) => q.operation)).toEqual(["CountTokens"]);
    const req = fake.requests[0]!;
    expect(req).toMatchObject({ verified: true, modelId: "us.anthropic.claude-3-5-haiku-20241022-v1:0" });
    expect(req.body).toEqual({ input: { converse: { messages: [{ role: "user", content: [{ text: "one two three" }] }], system: [{ text: "be brief" }] } } });
    const j = await chat(["-m", HAIKU, "--count-tokens", "--json", "one two three"]);
    const out = JSON.parse(j.stdout);
    assertValid("count-tokens-output.schema.json", out);
    expect(out).toEqual({ input_tokens: 3, model: HAIKU, region: "us-east-1", model_id: "us.anthropic.claude-3-5-haiku-20241022-v1:0", input_cost_usd: 0.0000024 });
    expect(fake.requests.every((q) => q.operation === "CountTokens")).toBe(true);
  });

  test("with --attach the files are counted as they would be sent; nothing is saved, no conversation is reserved", async () => {
    const notes = join(home, "notes.md");
    writeFileSync(notes, "# Notes\n\n- one\n- two\n");
    const r = await chat(["-m", HAIKU, "--attach", notes, "--count-tokens", "sum these up"]);
    expect(r.code).toBe(0);
    expect(fake.requests.map((q) => q.operation)).toEqual(["CountTokens"]);
    const content = fake.requests[0]!.body.input.converse.messages[0].content;
    expect(content.length).toBe(2);
    expect(content[0].document).toMatchObject({ name: "notes", format: "md" });
    expect(content[1]).toEqual({ text: "sum these up" });
    expect(readdirSync(home).includes(".amazon-q") ? readdirSync(join(home, ".amazon-q")) : []).not.toContain("conversations");
  });

  test("a model without CountTokens: one clear error, exit 6", async () => {
    const r = await chat(["-m", "custom:us-east-1:fake.no-count", "--count-tokens", "hi"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("error:");
    expect(r.stderr).toContain("counting tokens");
    expect(r.stderr).not.toContain("    at ");
  });
});

test("redux-test-model: the probe's cost, in its line and in --json", async () => {
  const r = await run(bin("redux-test-model"), ["-m", HAIKU], { env });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/✔ invoke {7}answered in \d+ ms · \d+ in \/ 1 out tokens · \$0\.00000\d+ · max_tokens/);
  const j = JSON.parse((await run(bin("redux-test-model"), ["-m", HAIKU, "--json"], { env })).stdout);
  assertValid("test-model-output.schema.json", j);
  expect(j.cost.usd).toBeCloseTo((j.usage.input_tokens * 0.8 + 4) / 1e6, 12);
  const unknown = JSON.parse((await run(bin("redux-test-model"), ["-m", "custom:us-east-1:fake.unpriced", "--json"], { env })).stdout);
  expect(unknown.cost.usd).toBeNull();
});

describe("batch", () => {
  const writeInput = (n: number) => {
    const p = join(home, "in.jsonl");
    writeFileSync(p, Array.from({ length: n }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `prompt number ${i}` })).join("\n"));
    return p;
  };

  test("each line carries its cost and the summary the run's spend", async () => {
    writePrices([fakePrice("fake.batch", 1000, 2000)]);
    const out = join(home, "out.jsonl");
    const r = await run(bin("redux-chat"), ["batch", writeInput(3), "-o", out, "-m", "custom:us-east-1:fake.batch"], { env });
    expect(r.code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    for (const l of lines) {
      assertValid("batch-output.schema.json", l);
      expect(l.cost.usd).toBeCloseTo((l.usage.input_tokens * 1000 + l.usage.output_tokens * 2000) / 1e6, 12);
    }
    const total = lines.reduce((s, l) => s + l.cost.usd, 0);
    expect(r.stderr).toContain(`· $${total.toFixed(4)} ·`);
  });

  test("--max-cost stops launching before the spend (in-flight estimates included) would pass it: says so, exit 7", async () => {
    // each item: 3 input + 5 output tokens = $0.013 at $1000/$2000 per million; the first estimate (no max_tokens, no
    // answer yet) assumes 1024 output tokens, so --max-tokens 10 keeps estimates near the real cost
    writePrices([fakePrice("fake.batch", 1000, 2000)]);
    const out = join(home, "out.jsonl");
    const r = await run(bin("redux-chat"), ["batch", writeInput(10), "-o", out, "-m", "custom:us-east-1:fake.batch", "--max-tokens", "10", "--concurrency", "1", "--max-cost", "0.05"], { env });
    expect(r.code).toBe(7);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const spent = lines.reduce((s, l) => s + l.cost.usd, 0);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(10);
    expect(spent).toBeLessThanOrEqual(0.05);
    expect(r.stderr).toContain("--max-cost 0.05");
    expect(r.stderr).toContain("not run");
    // a re-run with more budget does the rest
    const again = await run(bin("redux-chat"), ["batch", writeInput(10), "-o", out, "-m", "custom:us-east-1:fake.batch", "--max-tokens", "10", "--max-cost", "5"], { env });
    expect(again.code).toBe(0);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(10);
  });

  test("--max-cost with a model that has no price is refused before anything runs", async () => {
    const r = await run(bin("redux-chat"), ["batch", writeInput(2), "-m", "custom:us-east-1:fake.unpriced", "--max-cost", "1"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no price is known for custom:us-east-1:fake.unpriced");
    expect(fake.requests).toHaveLength(0);
    expect((await run(bin("redux-chat"), ["batch", writeInput(2), "-m", "custom:us-east-1:fake.batch", "--max-cost", "-1"], { env })).code).toBe(2);
  });
});

describe("redux-export", () => {
  function oldConversation(dir: string, id: string, model: string, at: string, usage: object) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const c = {
      version: 1, conversation_id: id, model, region: "us-east-1", model_id: model.split(":").slice(2).join(":"), created_at: at, updated_at: at, inference_config: {},
      messages: [
        { role: "user", content: [{ text: "q" }], timestamp: at },
        // saved before redux had prices: usage without cache fields and no cost
        { role: "assistant", content: [{ text: "a" }], timestamp: at, model, usage, status: "complete" },
      ],
      usage, status: "complete",
    };
    writeFileSync(join(dir, `${id}_${at.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.json`), JSON.stringify(c), { mode: 0o600 });
  }

  test("list prices conversations saved before prices existed; unknown stays unknown", async () => {
    oldConversation(convDir(), "old-haiku", HAIKU, "2026-11-01T10:00:00.000Z", { input_tokens: 1_000_000, output_tokens: 1_000_000, total_tokens: 2_000_000 });
    oldConversation(convDir(), "old-fake", "custom:us-east-1:fake.unpriced", "2026-11-02T10:00:00.000Z", { input_tokens: 5, output_tokens: 5, total_tokens: 10 });
    const r = await run(bin("redux-export"), ["list", "--json"], { env });
    const rows = JSON.parse(r.stdout);
    for (const row of rows) assertValid("export-list.schema.json", row);
    expect(rows.find((x: { id: string }) => x.id === "old-haiku").cost_usd).toBeCloseTo(4.8, 9);
    expect(rows.find((x: { id: string }) => x.id === "old-fake").cost_usd).toBeNull();
    const tsv = (await run(bin("redux-export"), ["list", "--no-header"], { env })).stdout.trim().split("\n").map((l) => l.split("\t"));
    expect(tsv.map((f) => f[6])).toEqual(["unknown", "4.8"]);
  });

  test("usage: by model, day and month, as table, JSON and CSV, with totals; encrypted conversations with the key", async () => {
    const key = join(home, "key");
    writeFileSync(key, "a".repeat(64), { mode: 0o600 });
    const e = { ...env };
    await chat(["-m", HAIKU, "--key-file", key, "secret question"], e);
    oldConversation(convDir(), "old-haiku", HAIKU, "2026-10-01T10:00:00.000Z", { input_tokens: 1_000_000, output_tokens: 0, total_tokens: 1_000_000 });
    oldConversation(convDir(), "old-fake", "custom:us-east-1:fake.unpriced", "2026-10-02T10:00:00.000Z", { input_tokens: 5, output_tokens: 5, total_tokens: 10 });
    const withKey = await run(bin("redux-export"), ["usage", "--format", "json", "--key-file", key], { env });
    expect(withKey.code).toBe(0);
    const report = JSON.parse(withKey.stdout);
    assertValid("usage-report.schema.json", report);
    const haiku = report.rows.find((x: { key: string }) => x.key === HAIKU);
    expect(haiku).toMatchObject({ conversations: 2, turns: 2, unpriced_turns: 0 });
    expect(haiku.cost_usd).toBeGreaterThan(0.8);
    expect(report.total).toMatchObject({ conversations: 3, turns: 3, cost_usd: null, unpriced_turns: 1 });
    expect(withKey.stderr).toContain("1 answers have no known price");

    // without the key the encrypted one is skipped, and said so
    const noKey = await run(bin("redux-export"), ["usage", "--json"], { env });
    expect(JSON.parse(noKey.stdout).total.conversations).toBe(2);
    expect(noKey.stderr).toContain("skipped 1 file");

    const months = JSON.parse((await run(bin("redux-export"), ["usage", "--by", "month", "--json", "--until", "2026-10-31"], { env })).stdout);
    expect(months.rows.map((x: { key: string }) => x.key)).toEqual(["2026-10"]);
    const csv = (await run(bin("redux-export"), ["usage", "--by", "day", "--format", "csv", "--since", "2026-10-01", "--until", "2026-10-01T23:59:59Z"], { env })).stdout.trim().split("\n");
    expect(csv).toEqual(["key,conversations,turns,input_tokens,output_tokens,cache_read_input_tokens,cache_write_input_tokens,total_tokens,cost_usd,known_cost_usd,unpriced_turns", "2026-10-01,1,1,1000000,0,0,0,1000000,0.8,0.8,0", "total,1,1,1000000,0,0,0,1000000,0.8,0.8,0"]);
    const table = (await run(bin("redux-export"), ["usage", "--format", "table"], { env })).stdout.split("\n");
    expect(table[0]).toMatch(/^MODEL +CONVERSATIONS +TURNS +INPUT +OUTPUT +CACHE READ +CACHE WRITE +TOTAL TOKENS +COST$/);
    expect(table.find((l) => l.startsWith("total"))).toMatch(/\$0\.80\d* \+ unknown$/);
    expect((await run(bin("redux-export"), ["usage", "--by", "week"], { env })).code).toBe(2);
  });
});
