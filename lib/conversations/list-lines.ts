// The piped forms of `redux-export list`'s rows, one string per row: a tab-separated line (under TSV_HEADER), or the
// row's JSON (one element of the array --json prints). Made by the thread that read the row (summaries.ts): turned
// into text on this thread at the end, 50,000 rows were a sixth of the listing, and a worker's rows crossed back as
// JSON to be parsed here first.
import type { ConversationSummary } from "./listing.ts";

/** Which text the rows are wanted as: `json` (--json) or `tsv` (stdout not a terminal). */
export type LineForm = "json" | "tsv";

export const TSV_HEADER = "id\tcreated_at\tupdated_at\tmodel\tturns\ttotal_tokens\tcost_usd\tstatus\tfirst_prompt\n";

export const tsvLine = (r: ConversationSummary) =>
  `${[r.id, r.created_at, r.updated_at, r.model, r.turns, r.total_tokens, r.cost_usd ?? "unknown", r.status, r.first_prompt].join("\t")}\n`;

/** A row as the text of its form: JSON.stringify of the array is these joined by commas, inside brackets. */
export const rowLine = (r: ConversationSummary, form: LineForm) => (form === "json" ? JSON.stringify(r) : tsvLine(r));
