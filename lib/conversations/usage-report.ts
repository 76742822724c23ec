// Tokens and dollars over saved conversations: the cost of each turn (as saved with it, or priced now from the table
// for turns saved before redux had prices), a conversation's total, and the `redux-export usage` report grouped by
// model, day or month.
import { costOf, costUsd, priceFor, loadPrices, type Cost, type PriceTable, type UsageTokens } from "../bedrock/prices.ts";
import { parseModelString } from "../bedrock/model-string.ts";
import type { AssistantMessage, Conversation } from "./conversation.ts";

/**
 * Prices turns, remembering each model string's price: a report reads thousands of turns of a few models. The price
 * table is read when a turn first needs it: answers saved with their cost (every one redux saves now) need none.
 */
export function createPricer(given?: PriceTable) {
  let table = given;
  const prices = new Map<string, ReturnType<typeof priceFor> | null>();
  const priceOf = (model: string) => {
    let p = prices.get(model);
    if (p === undefined) {
      try {
        const ref = parseModelString(model);
        p = priceFor(ref.modelId, ref.region, "standard", (table ??= loadPrices())) ?? null;
      } catch {
        p = null;
      }
      prices.set(model, p);
    }
    return p ?? undefined;
  };
  /** The cost of one answer: the one saved with it when known, else priced now (null when still unknown). */
  const turn = (m: AssistantMessage, c: Conversation): Cost =>
    m.cost && m.cost.usd !== null ? m.cost : costOf(m.usage, priceOf(m.model ?? c.model));
  /** turn(m, c).usd, without building the Cost. */
  const turnUsd = (m: AssistantMessage, c: Conversation): number | null => (m.cost && m.cost.usd !== null ? m.cost.usd : costUsd(m.usage, priceOf(m.model ?? c.model)));
  return { turn, turnUsd, priceOf };
}

type Pricer = ReturnType<typeof createPricer>;

/** A conversation's cost in USD: null (unknown) when any answer that used tokens has no known price. */
export function conversationCost(c: Conversation, pricer: Pricer = createPricer()): number | null {
  let usd = 0;
  for (const m of c.messages) {
    if (m.role !== "assistant" || !m.usage) continue;
    const cost = pricer.turnUsd(m, c);
    if (cost === null) return null;
    usd += cost;
  }
  return Math.round(usd * 1e12) / 1e12;
}

export type GroupBy = "model" | "day" | "month";
export const GROUP_BY: readonly GroupBy[] = ["model", "day", "month"];

/** One row of `redux-export usage` (schemas/usage-report.schema.json). */
export interface UsageRow {
  key: string;
  conversations: number;
  turns: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  total_tokens: number;
  /** null ("unknown") when any turn in the row has no known price; known_cost_usd is the priced part. */
  cost_usd: number | null;
  known_cost_usd: number;
  unpriced_turns: number;
}

export interface UsageReport {
  group_by: GroupBy;
  since: string | null;
  until: string | null;
  rows: UsageRow[];
  total: UsageRow;
}

type Acc = UsageRow & {
  /** The conversation last counted, so each conversation counts once per row (they are read one after another). */
  last?: string;
  /** Turns without a saved cost, summed per model and by which cache parts they used: priced once, at the end. */
  unsaved: Map<string, { model: string; turns: number; usage: Required<UsageTokens> }>;
};

const emptyRow = (key: string): Acc => ({
  key,
  conversations: 0,
  turns: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_write_input_tokens: 0,
  total_tokens: 0,
  cost_usd: 0,
  known_cost_usd: 0,
  unpriced_turns: 0,
  unsaved: new Map(),
});

const round = (usd: number) => Math.round(usd * 1e12) / 1e12;

/**
 * Sums every answer (assistant turn) whose time falls in [since, until], grouped by its model, UTC day or month.
 * Rows are sorted by key; the total row's key is "total". Cost is linear in tokens, so answers saved without a cost
 * are summed per model (and per which cache parts they used, so an unknown rate marks only the answers that needed it)
 * and priced once: 10,000 conversations are read in about the time it takes to parse them.
 */
export function usageReport(conversations: Iterable<Conversation>, o: { by: GroupBy; since?: number; until?: number; pricer?: Pricer }): UsageReport {
  const pricer = o.pricer ?? createPricer();
  const groups = new Map<string, Acc>();
  const total = emptyRow("total");
  const filtered = o.since !== undefined || o.until !== undefined;
  const add = (r: Acc, c: Conversation, m: AssistantMessage, model: string) => {
    if (r.last !== c.conversation_id) {
      r.last = c.conversation_id;
      r.conversations++;
    }
    r.turns++;
    const u = m.usage;
    if (!u) return;
    const cr = u.cache_read_input_tokens ?? 0;
    const cw = u.cache_write_input_tokens ?? 0;
    r.input_tokens += u.input_tokens;
    r.output_tokens += u.output_tokens;
    r.cache_read_input_tokens += cr;
    r.cache_write_input_tokens += cw;
    r.total_tokens += u.total_tokens;
    if (m.cost && m.cost.usd !== null) {
      r.known_cost_usd += m.cost.usd;
      return;
    }
    const k = `${cr ? 1 : 0}${cw ? 1 : 0}${model}`;
    let acc = r.unsaved.get(k);
    if (!acc) r.unsaved.set(k, (acc = { model, turns: 0, usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0 } }));
    acc.turns++;
    acc.usage.input_tokens += u.input_tokens;
    acc.usage.output_tokens += u.output_tokens;
    acc.usage.cache_read_input_tokens += cr;
    acc.usage.cache_write_input_tokens += cw;
  };
  for (const c of conversations) {
    for (const m of c.messages) {
      if (m.role !== "assistant") continue;
      if (filtered) {
        const t = Date.parse(m.timestamp);
        if ((o.since !== undefined && t < o.since) || (o.until !== undefined && t > o.until)) continue;
      }
      const model = m.model ?? c.model;
      const key = o.by === "model" ? model : o.by === "day" ? m.timestamp.slice(0, 10) : m.timestamp.slice(0, 7);
      let row = groups.get(key);
      if (!row) groups.set(key, (row = emptyRow(key)));
      add(row, c, m, model);
      add(total, c, m, model);
    }
  }
  const finish = ({ last: _last, unsaved, ...r }: Acc): UsageRow => {
    for (const { model, turns, usage } of unsaved.values()) {
      const usd = costOf(usage, pricer.priceOf(model)).usd;
      if (usd === null) r.unpriced_turns += turns;
      else r.known_cost_usd += usd;
    }
    return { ...r, known_cost_usd: round(r.known_cost_usd), cost_usd: r.unpriced_turns ? null : round(r.known_cost_usd) };
  };
  return {
    group_by: o.by,
    since: o.since === undefined ? null : new Date(o.since).toISOString(),
    until: o.until === undefined ? null : new Date(o.until).toISOString(),
    rows: [...groups.keys()].sort().map((k) => finish(groups.get(k)!)),
    total: finish(total),
  };
}

const CSV_COLUMNS = ["key", "conversations", "turns", "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens", "total_tokens", "cost_usd", "known_cost_usd", "unpriced_turns"] as const;

const csvCell = (v: string | number | null) => {
  const s = v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV with a header and the total as the last row; an unknown cost is an empty cell. */
export function usageCsv(r: UsageReport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const row of [...r.rows, r.total]) lines.push(CSV_COLUMNS.map((k) => csvCell(row[k])).join(","));
  return `${lines.join("\n")}\n`;
}
