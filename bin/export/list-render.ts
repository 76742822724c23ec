// The piped forms of `redux-export list`'s rows: tab-separated lines under a header line, and one JSON array. Shared
// by the command (list.ts) and its fast path (list-fast.ts), which must print the same bytes.
import type { ConversationSummary } from "../../lib/conversations/listing.ts";

export const TSV_HEADER = "id\tcreated_at\tupdated_at\tmodel\tturns\ttotal_tokens\tcost_usd\tstatus\tfirst_prompt\n";

export const tsvLine = (r: ConversationSummary) =>
  `${[r.id, r.created_at, r.updated_at, r.model, r.turns, r.total_tokens, r.cost_usd ?? "unknown", r.status, r.first_prompt].join("\t")}\n`;

/** JSON.stringify(rows) and a newline, given to `write` a thousand rows at a time: 50,000 rows are never one 20 MB string. */
export function writeJson(rows: ConversationSummary[], write: (s: string) => void) {
  if (!rows.length) return write("[]\n");
  for (let i = 0; i < rows.length; i += 1000) {
    const part = JSON.stringify(rows.slice(i, i + 1000));
    write(`${i ? "," : "["}${part.slice(1, -1)}${i + 1000 >= rows.length ? "]\n" : ""}`);
  }
}
