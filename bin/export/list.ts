// redux-export list: the saved conversations, newest first; a table on a terminal, tab-separated lines otherwise.
import { defineCommand } from "citty";
import { listFiltered, exportStore } from "../../lib/conversations/export-store.ts";
import { skippedWarning } from "../../lib/conversations/store.ts";
import { summarize, type ConversationSummary } from "../../lib/conversations/listing.ts";
import { outputArgs } from "../shared/args.ts";
import { filterArgs, keyArgs } from "../shared/store-args.ts";
import { colorOut, createUi } from "../shared/ui.ts";
import { columns, isTTY, out } from "../shared/io.ts";

const short = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;

function table(rows: ConversationSummary[]): string {
  const head = ["ID", "CREATED", "UPDATED", "MODEL", "TURNS", "TOKENS", "STATUS", "FIRST PROMPT"];
  const cells = rows.map((r) => [r.id.slice(0, 8), short(r.created_at), short(r.updated_at), r.model.replace(/^custom:/, ""), String(r.turns), String(r.total_tokens), r.status, r.first_prompt]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const cols = columns();
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(width[i]!))).join("  ").slice(0, cols);
  return [colorOut.bold(line(head)), ...cells.map(line)].join("\n");
}

export default defineCommand({
  meta: { name: "list", description: "List saved conversations (newest first)" },
  args: { ...filterArgs, ...keyArgs, ...outputArgs },
  run({ args }) {
    const ui = createUi({ quiet: args.quiet, debug: args.debug });
    const { items, skipped } = listFiltered(exportStore(args["key-file"]), args);
    const warning = skippedWarning(skipped);
    if (warning) ui.warn(warning);
    const rows = items.map(summarize).reverse();
    if (args.json) out(`${JSON.stringify(rows)}\n`);
    else if (isTTY(1)) out(rows.length ? `${table(rows)}\n` : "");
    else for (const r of rows) out(`${[r.id, r.created_at, r.updated_at, r.model, r.turns, r.total_tokens, r.status, r.first_prompt].join("\t")}\n`);
    if (!rows.length) ui.info("no conversations");
  },
});
