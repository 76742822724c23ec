// Flex and priority pricing end to end, from the compiled binaries against the loopback fake: a turn sent with
// `--service-tier` (or a batch line's `service_tier`) is priced at that tier's rate from the price table, says which
// tier in `price_source`, costs unknown (null) when the tier has no price (never the standard price), and is priced at
// the tier Bedrock reports it answered on when that differs from the one asked for.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";
import { assertValid } from "../schema.ts";

let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

// USD per million tokens: standard 1 / 2, flex 0.5 / 1, priority 1.75 / 3.5 (input / output)
const RATES = { standard: [1, 2], flex: [0.5, 1], priority: [1.75, 3.5] } as const;
type TierName = keyof typeof RATES;
const price = (model_id: string, tier: TierName) => ({ model_id, region: "us-east-1", tier, input: RATES[tier][0], output: RATES[tier][1], cache_read: null, cache_write: null, source: "test prices", date: "2026-11-30" });
/** Prices in a user prices file (in the test's temporary HOME): each id at the tiers given. */
function writePrices(ids: Record<string, TierName[]>) {
  mkdirSync(join(home, ".amazon-q"), { recursive: true, mode: 0o700 });
  const entries = Object.entries(ids).flatMap(([id, tiers]) => tiers.map((t) => price(id, t)));
  writeFileSync(join(home, ".amazon-q", "prices.json"), JSON.stringify({ version: 1, updated_at: new Date().toISOString(), source_url: "test", entries }), { mode: 0o600 });
}
const ALL: TierName[] = ["standard", "flex", "priority"];
const at = (tier: TierName, u: { input_tokens: number; output_tokens: number }) => (u.input_tokens * RATES[tier][0] + u.output_tokens * RATES[tier][1]) / 1e6;

const chat = (args: string[]) => run(bin("redux-chat"), args, { env });
const converse = () => fake.requests.filter((q) => q.operation === "ConverseStream");
const UNKNOWN = { usd: null, input: null, output: null, cache_read: null, cache_write: null, price_source: null };

describe("--service-tier: a one-shot is priced at the tier's rate", () => {
  test("--count-tokens --json: the input priced at the tier asked for; a tier with no price is null", async () => {
    writePrices({ "fake.tiered": ALL, "fake.standard-only": ["standard"] });
    const count = async (model: string, args: string[]) => {
      const r = await chat(["-m", `custom:us-east-1:${model}`, ...args, "--count-tokens", "--json", "one two three four"]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      assertValid("count-tokens-output.schema.json", out);
      return out;
    };
    for (const tier of ["flex", "priority"] as const) {
      const out = await count("fake.tiered", ["--service-tier", tier]);
      expect(out.input_cost_usd).toBeCloseTo((out.input_tokens * RATES[tier][0]) / 1e6, 12);
    }
    const std = await count("fake.tiered", []);
    expect(std.input_cost_usd).toBeCloseTo((std.input_tokens * RATES.standard[0]) / 1e6, 12);
    expect((await count("fake.standard-only", ["--service-tier", "flex"])).input_cost_usd).toBeNull();
    expect(fake.requests.every((q) => q.operation === "CountTokens")).toBe(true);
  });

  test("flex and priority: the tier's rates, named in price_source; the saved answer keeps that cost", async () => {
    writePrices({ "fake.tiered": ALL });
    for (const tier of ["flex", "priority"] as const) {
      fake.reset();
      const r = await chat(["-m", "custom:us-east-1:fake.tiered", "--service-tier", tier, "--json", "a few words here"]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      assertValid("chat-output.schema.json", out);
      expect(converse()[0]!.body.serviceTier).toEqual({ type: tier });
      expect(out.cost.input).toBeCloseTo((out.usage.input_tokens * RATES[tier][0]) / 1e6, 12);
      expect(out.cost.output).toBeCloseTo((out.usage.output_tokens * RATES[tier][1]) / 1e6, 12);
      expect(out.cost.usd).toBeCloseTo(at(tier, out.usage), 12);
      expect(out.cost.usd).not.toBeCloseTo(at("standard", out.usage), 12);
      expect(out.cost.price_source).toBe(`test prices (2026-11-30), ${tier} tier`);
      const saved = JSON.parse(readFileSync(out.path, "utf8"));
      expect(saved.messages.at(-1).cost).toEqual(out.cost);
    }
    // default (and no flag): the standard rate, and price_source names no tier
    for (const args of [["--service-tier", "default"], []]) {
      const out = JSON.parse((await chat(["-m", "custom:us-east-1:fake.tiered", ...args, "--json", "--no-save", "a few words here"])).stdout);
      expect(out.cost.usd).toBeCloseTo(at("standard", out.usage), 12);
      expect(out.cost.price_source).toBe("test prices (2026-11-30)");
    }
  });

  test("a model with no price at the tier asked for: cost unknown (null), never the standard price", async () => {
    writePrices({ "fake.standard-only": ["standard"] });
    for (const tier of ["flex", "priority"]) {
      const r = await chat(["-m", "custom:us-east-1:fake.standard-only", "--service-tier", tier, "--json", "--no-save", "hi"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).cost).toEqual(UNKNOWN);
    }
    const u = await chat(["-m", "custom:us-east-1:fake.standard-only", "--service-tier", "flex", "--usage", "--no-save", "hi"]);
    expect(u.stderr).toMatch(/^usage: .* · cost unknown · \d+ ms\n$/);
    // the built-in table: Claude 3.5 Haiku has a standard price but none at the flex tier
    const haiku = JSON.parse((await chat(["-m", "custom:us-east-1:us.anthropic.claude-3-5-haiku-20241022-v1:0", "--service-tier", "flex", "--json", "--no-save", "hi"])).stdout);
    expect(haiku.cost).toEqual(UNKNOWN);
    const standard = JSON.parse((await chat(["-m", "custom:us-east-1:us.anthropic.claude-3-5-haiku-20241022-v1:0", "--json", "--no-save", "hi"])).stdout);
    expect(standard.cost.usd).toBeGreaterThan(0);
  });

  test("the built-in table's own flex and priority rates (Nova 2 Lite, US East (Ohio)); another region has none", async () => {
    const NOVA2 = "custom:us-east-2:global.amazon.nova-2-lite-v1:0";
    const rates = { flex: [0.15, 1.25], priority: [0.525, 4.375], default: [0.3, 2.5] } as const;
    for (const [tier, [i, o]] of Object.entries(rates)) {
      const out = JSON.parse((await chat(["-m", NOVA2, "--service-tier", tier, "--json", "--no-save", "a few words here"])).stdout);
      expect(out.cost.usd).toBeCloseTo((out.usage.input_tokens * i + out.usage.output_tokens * o) / 1e6, 12);
      expect(out.cost.price_source).toMatch(tier === "default" ? /^built-in: .*\(2026-09-03\)$/ : new RegExp(`^built-in: .*\\(2026-09-03\\), ${tier} tier$`));
    }
    const east1 = JSON.parse((await chat(["-m", "custom:us-east-1:global.amazon.nova-2-lite-v1:0", "--service-tier", "flex", "--json", "--no-save", "hi"])).stdout);
    expect(east1.cost).toEqual(UNKNOWN);
  });

  test("Bedrock answers on another tier than asked: priced at the tier it reports", async () => {
    // the fake reports the tier in the model id (`answers-tier-<tier>`) whatever was asked, as Bedrock does when it
    // serves a priority request at the standard tier
    writePrices({ "fake.answers-tier-default": ALL, "fake.answers-tier-flex": ALL, "fake.answers-tier-reserved": ALL });
    let out = JSON.parse((await chat(["-m", "custom:us-east-1:fake.answers-tier-default", "--service-tier", "priority", "--json", "--no-save", "a few words here"])).stdout);
    expect(converse().at(-1)!.body.serviceTier).toEqual({ type: "priority" });
    expect(out.cost.usd).toBeCloseTo(at("standard", out.usage), 12);
    expect(out.cost.price_source).toBe("test prices (2026-11-30)");
    out = JSON.parse((await chat(["-m", "custom:us-east-1:fake.answers-tier-flex", "--json", "--no-save", "a few words here"])).stdout);
    expect(out.cost.usd).toBeCloseTo(at("flex", out.usage), 12);
    expect(out.cost.price_source).toBe("test prices (2026-11-30), flex tier");
    // reserved capacity is not billed per token: no price, so unknown rather than any tier's rate
    out = JSON.parse((await chat(["-m", "custom:us-east-1:fake.answers-tier-reserved", "--service-tier", "flex", "--json", "--no-save", "hi"])).stdout);
    expect(out.cost).toEqual(UNKNOWN);
  });
});

describe("batch lines' service_tier", () => {
  const writeInput = (items: object[]) => {
    const p = join(home, "in.jsonl");
    writeFileSync(p, items.map((i) => JSON.stringify(i)).join("\n"));
    return p;
  };

  test("each line is priced at its item's tier; the summary sums them; a tier without a price is unknown", async () => {
    writePrices({ "fake.tiered": ALL, "fake.standard-only": ["standard"] });
    const input = writeInput([
      { id: "std", prompt: "one two three" },
      { id: "flex", prompt: "one two three", service_tier: "flex" },
      { id: "prio", prompt: "one two three", service_tier: "priority" },
      { id: "dflt", prompt: "one two three", service_tier: "default" },
    ]);
    const out = join(home, "out.jsonl");
    const r = await run(bin("redux-chat"), ["batch", input, "-o", out, "-m", "custom:us-east-1:fake.tiered", "--concurrency", "1"], { env });
    expect(r.code).toBe(0);
    const lines: Record<string, any> = Object.fromEntries(readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l)).map((l) => [l.id, l]));
    for (const l of Object.values(lines)) assertValid("batch-output.schema.json", l);
    const expected: Record<string, TierName> = { std: "standard", flex: "flex", prio: "priority", dflt: "standard" };
    for (const [id, tier] of Object.entries(expected)) {
      expect(lines[id].cost.usd).toBeCloseTo(at(tier, lines[id].usage), 12);
      expect(lines[id].cost.price_source).toBe(`test prices (2026-11-30)${tier === "standard" ? "" : `, ${tier} tier`}`);
    }
    const total = Object.values(lines).reduce((s, l) => s + l.cost.usd, 0);
    // the summary's spend, shown to two significant digits
    const shown = Number(/ · \$([0-9.]+) · /.exec(r.stderr)?.[1]);
    expect(Math.abs(shown - total) / total).toBeLessThan(0.05);

    // a flex item of a model priced only at the standard tier: unknown, and the summary says so
    const out2 = join(home, "out2.jsonl");
    const r2 = await run(bin("redux-chat"), ["batch", writeInput([{ id: "a", prompt: "x" }, { id: "b", prompt: "y", service_tier: "flex" }]), "-o", out2, "-m", "custom:us-east-1:fake.standard-only"], { env });
    expect(r2.code).toBe(0);
    const l2: Record<string, any> = Object.fromEntries(readFileSync(out2, "utf8").trim().split("\n").map((l) => JSON.parse(l)).map((l) => [l.id, l]));
    expect(l2.a.cost.usd).toBeGreaterThan(0);
    expect(l2.b.cost).toEqual(UNKNOWN);
    expect(r2.stderr).toContain("+ unknown");
  });

  test("--max-cost needs a price at every tier the run uses: refused before anything runs, naming the tier", async () => {
    writePrices({ "fake.standard-only": ["standard"], "fake.tiered": ALL });
    const input = writeInput([{ id: "a", prompt: "x" }, { id: "b", prompt: "y", service_tier: "priority" }]);
    const r = await run(bin("redux-chat"), ["batch", input, "-m", "custom:us-east-1:fake.standard-only", "--max-cost", "1"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no price is known for custom:us-east-1:fake.standard-only at the priority service tier");
    expect(fake.requests).toHaveLength(0);
    const ok = await run(bin("redux-chat"), ["batch", input, "-o", join(home, "o.jsonl"), "-m", "custom:us-east-1:fake.tiered", "--max-cost", "1"], { env });
    expect(ok.code).toBe(0);
  });
});
