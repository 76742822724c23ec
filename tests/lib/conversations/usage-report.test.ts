import { describe, expect, test } from "bun:test";
import { newConversation, type Conversation } from "../../../lib/conversations/conversation.ts";
import { conversationCost, createPricer, usageCsv, usageReport } from "../../../lib/conversations/usage-report.ts";
import { priceTable, type PriceEntry } from "../../../lib/bedrock/prices.ts";
import { assertValid } from "../../schema.ts";

const price = (model_id: string, input: number, output: number): PriceEntry => ({ model_id, region: "us-east-1", tier: "standard", input, output, cache_read: 0.1, cache_write: null, source: "test", date: "2026-11-01" });
const pricer = createPricer(priceTable([price("priced-a", 1, 2), price("priced-b", 10, 20)]));

function conv(model: string, turns: { at: string; input: number; output: number; cacheRead?: number; cost?: number }[]): Conversation {
  const c = newConversation({ model, region: "us-east-1", model_id: model.split(":").slice(2).join(":"), now: new Date(turns[0]!.at) });
  for (const t of turns) {
    c.messages.push({ role: "user", content: [{ text: "q" }], timestamp: t.at });
    const usage = { input_tokens: t.input, output_tokens: t.output, total_tokens: t.input + t.output + (t.cacheRead ?? 0), ...(t.cacheRead ? { cache_read_input_tokens: t.cacheRead } : {}) };
    c.messages.push({
      role: "assistant", content: [{ text: "a" }], timestamp: t.at, model, usage, status: "complete",
      ...(t.cost !== undefined ? { cost: { usd: t.cost, input: null, output: null, cache_read: null, cache_write: null, price_source: "saved" } } : {}),
    });
  }
  return c;
}

describe("pricing saved conversations", () => {
  test("turns saved without a cost are priced when read; a saved cost is kept", () => {
    const c = conv("custom:us-east-1:priced-a", [
      { at: "2026-11-01T10:00:00Z", input: 1_000_000, output: 1_000_000 },
      { at: "2026-11-02T10:00:00Z", input: 1_000_000, output: 0, cost: 5 },
    ]);
    expect(conversationCost(c, pricer)).toBe(3 + 5);
  });

  test("any answer of an unpriced model makes the conversation's cost unknown (null), never 0", () => {
    expect(conversationCost(conv("custom:us-east-1:fake.model", [{ at: "2026-11-01T10:00:00Z", input: 5, output: 5 }]), pricer)).toBeNull();
  });
});

describe("usageReport", () => {
  const cs = [
    conv("custom:us-east-1:priced-a", [{ at: "2026-10-31T23:00:00Z", input: 1_000_000, output: 0 }, { at: "2026-11-01T01:00:00Z", input: 0, output: 1_000_000, cacheRead: 1_000_000 }]),
    conv("custom:us-east-1:priced-b", [{ at: "2026-11-15T12:00:00Z", input: 100_000, output: 100_000 }]),
    conv("custom:us-east-1:fake.model", [{ at: "2026-11-20T12:00:00Z", input: 7, output: 3 }]),
  ];

  test("by model: sums, per-row cost, unknown rows, totals", () => {
    const r = usageReport(cs, { by: "model", pricer });
    assertValid("usage-report.schema.json", r);
    expect(r.rows.map((x) => x.key)).toEqual(["custom:us-east-1:fake.model", "custom:us-east-1:priced-a", "custom:us-east-1:priced-b"]);
    expect(r.rows[1]).toMatchObject({ conversations: 1, turns: 2, input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_input_tokens: 1_000_000, cost_usd: 1 + 2 + 0.1, unpriced_turns: 0 });
    expect(r.rows[2]!.cost_usd).toBe(3);
    expect(r.rows[0]).toMatchObject({ cost_usd: null, known_cost_usd: 0, unpriced_turns: 1 });
    expect(r.total).toMatchObject({ key: "total", conversations: 3, turns: 4, input_tokens: 1_100_007, cost_usd: null, known_cost_usd: 6.1, unpriced_turns: 1 });
  });

  test("by day and month use each answer's UTC time; --since/--until select answers", () => {
    const days = usageReport(cs, { by: "day", pricer });
    expect(days.rows.map((x) => x.key)).toEqual(["2026-10-31", "2026-11-01", "2026-11-15", "2026-11-20"]);
    const months = usageReport(cs, { by: "month", pricer });
    expect(months.rows.map((x) => [x.key, x.turns, x.conversations])).toEqual([["2026-10", 1, 1], ["2026-11", 3, 3]]);
    const some = usageReport(cs, { by: "model", pricer, since: Date.parse("2026-11-01T00:00:00Z"), until: Date.parse("2026-11-16T00:00:00Z") });
    expect(some.total).toMatchObject({ turns: 2, cost_usd: 2.1 + 3 });
    expect(some.since).toBe("2026-11-01T00:00:00.000Z");
  });

  test("CSV: a header, the rows, the total last; unknown cost is an empty cell", () => {
    const csv = usageCsv(usageReport(cs, { by: "model", pricer })).trimEnd().split("\n");
    expect(csv[0]).toBe("key,conversations,turns,input_tokens,output_tokens,cache_read_input_tokens,cache_write_input_tokens,total_tokens,cost_usd,known_cost_usd,unpriced_turns");
    expect(csv[1]).toBe("custom:us-east-1:fake.model,1,1,7,3,0,0,10,,0,1");
    expect(csv.at(-1)!.startsWith("total,3,4,")).toBe(true);
  });
});
