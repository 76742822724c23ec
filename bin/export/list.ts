// redux-export list: the saved conversations, newest first; a table on a terminal, tab-separated lines otherwise.
import { defineCommand } from "../shared/cli.ts";
import { exportStore } from "../../lib/conversations/export-store.ts";
import { listSummaries } from "../../lib/conversations/summaries.ts";
import { skippedWarning } from "../../lib/conversations/store-read.ts";
import type { ConversationSummary, Filters } from "../../lib/conversations/listing.ts";
import { filterArgs, keyArgs, outputArgs } from "../shared/args.ts";
import { colorOut, createUi } from "../shared/ui.ts";
import { columns, isTTY, out } from "../shared/io.ts";
import { writeJson, writeTsv } from "./list-render.ts";
import type * as Prices from "../../lib/bedrock/prices.ts";

const short = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const width = (s: string) => Bun.stringWidth(s);

/** `s` cut to `w` terminal columns, with … where it was cut. */
function fit(s: string, w: number): string {
  if (width(s) <= w) return s;
  let out = "";
  for (const ch of s) {
    if (width(out + ch) > w - 1) break;
    out += ch;
  }
  return `${out}…`;
}

const pad = (s: string, w: number) => s + " ".repeat(Math.max(0, w - width(s)));

/**
 * The table for a terminal, fitted to its width: the id prefix, dates, counts and status keep their width; the model
 * and the first prompt are cut (with …) to what is left, and CREATED makes way when that is too little.
 */
function table(rows: ConversationSummary[], cols: number): string {
  // required here, not imported at the top: an empty directory (which never reaches a table) loads no price module
  const { formatUsd } = require("../../lib/bedrock/prices.ts") as typeof Prices;
  let cells = [
    ["ID", "CREATED", "UPDATED", "MODEL", "TURNS", "TOKENS", "COST", "STATUS", "FIRST PROMPT"],
    ...rows.map((r) => [r.id.slice(0, 8), short(r.created_at), short(r.updated_at), r.model.replace(/^custom:/, ""), String(r.turns), String(r.total_tokens), formatUsd(r.cost_usd), r.status, r.first_prompt]),
  ];
  const layout = () => {
    const w = cells[0]!.map((_, i) => Math.max(...cells.map((c) => width(c[i]!))));
    const [model, prompt] = [cells[0]!.indexOf("MODEL"), w.length - 1];
    const room = cols - w.reduce((n, x, i) => (i === model || i === prompt ? n : n + x), 0) - 2 * (w.length - 1);
    return { w, model, prompt, room };
  };
  let l = layout();
  // too narrow for the model and the prompt to show something: CREATED, then TURNS, then TOKENS make way (the cost stays)
  for (const name of ["CREATED", "TURNS", "TOKENS"]) {
    if (l.w[l.model]! + l.w[l.prompt]! <= l.room || l.room >= 20) break;
    const i = cells[0]!.indexOf(name);
    cells = cells.map((c) => c.filter((_, j) => j !== i));
    l = layout();
  }
  const { w, model, prompt, room } = l;
  if (w[model]! + w[prompt]! > room) {
    w[model] = Math.min(w[model]!, Math.max(8, Math.floor(room * 0.55)));
    w[prompt] = Math.max(room - w[model]!, 1);
  }
  // narrower still: the line is cut rather than wrapped (a wrapped table is unreadable)
  const line = (c: string[]) => fit(c.map((v, i) => (i === prompt ? fit(v, w[i]!) : pad(fit(v, w[i]!), w[i]!))).join("  ").trimEnd(), cols);
  const [head, ...body] = cells.map(line);
  return [colorOut.bold(head!), ...body].join("\n");
}

/** What list reads of its arguments. */
interface ListArgs extends Filters {
  json?: boolean;
  header?: boolean;
  quiet?: boolean;
  debug?: boolean;
  "key-file"?: string;
}

export async function list(args: ListArgs) {
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  // piped, the rows are made into their lines by the threads that read them; a terminal's table needs the rows
  const form = args.json ? "json" : isTTY(1) ? undefined : "tsv";
  const { items, lines, skipped, threads } = await listSummaries(exportStore(args["key-file"]), args, { form });
  ui.debug(`read the conversations directory on ${threads} thread${threads === 1 ? "" : "s"}`);
  const warning = skippedWarning(skipped);
  if (warning) ui.warn(warning);
  // newest first
  if (form === "json") writeJson(lines!.reverse(), out);
  else if (form === "tsv") writeTsv(lines!.reverse(), args.header !== false, out);
  else out(items.length ? `${table(items.reverse(), columns())}\n` : "");
  if (!(lines ?? items).length) ui.info("no conversations");
}

export default defineCommand({
  meta: { name: "list", description: "List saved conversations (newest first)" },
  args: {
    ...filterArgs,
    ...keyArgs,
    header: { type: "boolean", default: true, description: "piped output starts with a line naming the columns (--no-header: leave it out)", negativeDescription: "no column-name line in piped output" },
    ...outputArgs,
    json: { ...outputArgs.json, description: "print the rows as one JSON array (schemas/export-list.schema.json)" },
  },
  run: ({ args }) => list(args),
});
