// Conversation summaries for `redux-export list`, the filters shared by list, export --all and prune, and durations.
import { turnCount, type Conversation, type ConversationStatus } from "./conversation.ts";
import { usageError } from "../errors.ts";
import type { StoredConversation } from "./store-read.ts";
import { firstWords } from "./export-formats.ts";

/** One row of `redux-export list --json` (schemas/export-list.schema.json). */
export interface ConversationSummary {
  id: string;
  path: string;
  created_at: string;
  updated_at: string;
  model: string;
  turns: number;
  total_tokens: number;
  /** What its answers cost (USD), priced when read for turns saved without a cost; null when unknown. */
  cost_usd: number | null;
  status: ConversationStatus;
  first_prompt: string;
}

/**
 * `s`, read whole once (indexOf does), so the engine resolves a string built by + or a template (the path, the first
 * prompt) now, next to its row, not when 50,000 sorted rows are printed: resolved then, scattered over the heap, the
 * printing took about a third longer.
 */
const resolved = (s: string) => (s.indexOf("\u0000"), s);

/** One row; `cost` is what the conversation's answers cost (conversationCost, with the pricer of the caller). */
export const summarize = ({ path, conversation: c }: StoredConversation, cost: (c: Conversation) => number | null): ConversationSummary => ({
  id: c.conversation_id,
  path: resolved(path),
  created_at: c.created_at,
  updated_at: c.updated_at,
  model: c.model,
  turns: turnCount(c),
  total_tokens: c.usage.total_tokens,
  cost_usd: cost(c),
  status: c.status,
  first_prompt: resolved(firstWords(c, 60)),
});

// code-point order (ISO dates sort as text): localeCompare's collation was a tenth of listing 50,000
const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** List order: oldest first by creation time, ties by path (a directory holds each path once). */
const compare = (a: ConversationSummary, b: ConversationSummary) => cmp(a.created_at, b.created_at) || cmp(a.path, b.path);

/** Rows in list order (sorted in place). */
export const sortSummaries = (items: ConversationSummary[]) => items.sort(compare);

/**
 * One thread's rows in list order, each beside the creation time and path it sorts by: the rows themselves (a
 * terminal's table) or their lines (list-lines.ts, a piped list), which carry no keys of their own.
 */
export interface SortedRows<T> {
  rows: T[];
  created: string[];
  paths: string[];
}

/** Rows and their sort keys (each array in the same order), put in list order; the arrays given are left as they are. */
export function inListOrder<T>(rows: T[], created: string[], paths: string[]): SortedRows<T> {
  const order: number[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) order[i] = i;
  order.sort((a, b) => cmp(created[a]!, created[b]!) || cmp(paths[a]!, paths[b]!));
  const sorted: SortedRows<T> = { rows: new Array(rows.length), created: new Array(rows.length), paths: new Array(rows.length) };
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    sorted.rows[k] = rows[i]!;
    sorted.created[k] = created[i]!;
    sorted.paths[k] = paths[i]!;
  }
  return sorted;
}

/** Rows already in list order, with the keys they sort by beside them. */
export function keyed(items: ConversationSummary[]): SortedRows<ConversationSummary> {
  const sorted: SortedRows<ConversationSummary> = { rows: items, created: new Array(items.length), paths: new Array(items.length) };
  for (let i = 0; i < items.length; i++) {
    sorted.created[i] = items[i]!.created_at;
    sorted.paths[i] = items[i]!.path;
  }
  return sorted;
}

/** Threads' rows, each part in list order, merged into one list in list order: what sorting them all together gives, in one pass. */
export function mergeSorted<T>(parts: SortedRows<T>[]): T[] {
  let merged = parts[0] ?? { rows: [], created: [], paths: [] };
  for (let k = 1; k < parts.length; k++) {
    const [a, b] = [merged, parts[k]!];
    const size = a.rows.length + b.rows.length;
    const out: SortedRows<T> = { rows: new Array(size), created: new Array(size), paths: new Array(size) };
    let i = 0;
    let j = 0;
    for (let n = 0; n < size; n++) {
      // b's row first only when it sorts strictly before a's: ties keep the earlier part's row first
      const fromB = i === a.rows.length || (j < b.rows.length && (cmp(b.created[j]!, a.created[i]!) || cmp(b.paths[j]!, a.paths[i]!)) < 0);
      const from = fromB ? b : a;
      const at = fromB ? j++ : i++;
      out.rows[n] = from.rows[at]!;
      out.created[n] = from.created[at]!;
      out.paths[n] = from.paths[at]!;
    }
    merged = out;
  }
  return merged.rows;
}

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** `30d`, `12h`, `2w`, `90m`, `45s` → milliseconds. */
export function parseDuration(v: string, flag = "duration"): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(v.trim());
  if (!m || Number(m[1]) <= 0) throw usageError(`${flag} must look like 30d, 12h, 2w, 90m or 45s; got ${JSON.stringify(v)}`, `a whole number and a unit: s, m, h, d or w (e.g. ${flag} 30d)`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** A point in time: an ISO date (`2026-11-01`, `2026-11-01T12:00:00Z`) or a duration ago (`7d`). */
export function parseWhen(v: string, flag: string, now = Date.now()): number {
  if (/^\d+\s*[smhdw]$/.test(v.trim())) return now - parseDuration(v, flag);
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw usageError(`${flag} must be an ISO date (2026-11-01) or a duration ago (7d); got ${JSON.stringify(v)}`, `e.g. ${flag} 2026-11-01, ${flag} 2026-11-01T12:00:00Z or ${flag} 7d`);
  return t;
}

export interface Filters {
  since?: string;
  until?: string;
  model?: string;
  status?: string;
}

const STATUSES = new Set(["complete", "interrupted", "error"]);

/** A predicate over conversations; bad filter values are usage errors, found before anything is read. */
export function makeFilter(f: Filters, now = Date.now()): (c: Conversation) => boolean {
  // an empty value is a mistake (an unset shell variable), not "no filter"
  for (const k of ["since", "until", "model", "status"] as const) {
    if (f[k] !== undefined && f[k]!.trim() === "") throw usageError(`--${k} is empty`, `give it a value, or leave --${k} out to match every conversation`);
  }
  const since = f.since !== undefined ? parseWhen(f.since, "--since", now) : undefined;
  const until = f.until !== undefined ? parseWhen(f.until, "--until", now) : undefined;
  if (f.status !== undefined && !STATUSES.has(f.status)) throw usageError(`--status must be complete, interrupted or error; got ${JSON.stringify(f.status)}`, "e.g. --status error");
  const model = f.model?.toLowerCase();
  // read once: `f` may be citty's args, whose every property read converts the name's case
  const status = f.status;
  return (c) => {
    if (since !== undefined && Date.parse(c.updated_at) < since) return false;
    if (until !== undefined && Date.parse(c.created_at) > until) return false;
    if (status && c.status !== status) return false;
    if (model && !c.model.toLowerCase().includes(model)) return false;
    return true;
  };
}
