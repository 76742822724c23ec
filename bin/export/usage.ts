// redux-export usage: tokens and cost over saved conversations (encrypted ones with the key), grouped by model, day
// or month, with totals; a table on a terminal, tab-separated lines when piped, or JSON / CSV.
import { defineCommand } from "citty";
import { exportStore } from "../../lib/conversations/export-store.ts";
import { conversationsIn, skippedWarning } from "../../lib/conversations/store.ts";
import { parseWhen } from "../../lib/conversations/listing.ts";
import { GROUP_BY, usageCsv, usageReport, type GroupBy, type UsageRow } from "../../lib/conversations/usage-report.ts";
import { formatUsd } from "../../lib/bedrock/prices.ts";
import { usageError } from "../../lib/errors.ts";
import { keyArgs, outputArgs } from "../shared/args.ts";
import { colorOut, createUi } from "../shared/ui.ts";
import { columns, isTTY, out } from "../shared/io.ts";

const FORMATS = ["table", "json", "csv"] as const;

function table(rows: UsageRow[], total: UsageRow, by: GroupBy): string {
  const head = [by.toUpperCase(), "CONVERSATIONS", "TURNS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "TOTAL TOKENS", "COST"];
  const cost = (r: UsageRow) => (r.cost_usd === null ? (r.known_cost_usd ? `${formatUsd(r.known_cost_usd)} + unknown` : "unknown") : formatUsd(r.cost_usd));
  const cell = (r: UsageRow) => [r.key, r.conversations, r.turns, r.input_tokens, r.output_tokens, r.cache_read_input_tokens, r.cache_write_input_tokens, r.total_tokens].map(String).concat(cost(r));
  const cells = [...rows, total].map(cell);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const cols = columns();
  // the key column left-aligned, numbers right-aligned
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(width[i]!) : v.padStart(width[i]!))).join("  ").slice(0, cols);
  // the table is stdout: bold only when stdout is a terminal
  return [colorOut.bold(line(head)), ...cells.slice(0, -1).map(line), colorOut.bold(line(cells.at(-1)!))].join("\n");
}

export default defineCommand({
  meta: { name: "usage", description: "Sum tokens and cost over saved conversations, by model, day or month" },
  args: {
    since: { type: "string", description: "only answers since (ISO date, or a duration ago: 7d)", valueHint: "when" },
    until: { type: "string", description: "only answers until (ISO date, or a duration ago)", valueHint: "when" },
    by: { type: "string", description: "group by model, day or month (default model)", valueHint: "model|day|month" },
    format: { type: "string", alias: "f", description: "table, json or csv (default: a table; tab-separated lines when piped)", valueHint: "format" },
    ...keyArgs,
    ...outputArgs,
    json: { ...outputArgs.json, description: "print one JSON object, as --format json (schemas/usage-report.schema.json)" },
  },
  run({ args }) {
    const ui = createUi({ quiet: args.quiet, debug: args.debug });
    const by = (args.by ?? "model") as GroupBy;
    if (!GROUP_BY.includes(by)) throw usageError(`--by must be model, day or month; got ${JSON.stringify(args.by)}`);
    const format = args.json ? "json" : args.format;
    if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) throw usageError(`--format must be table, json or csv; got ${JSON.stringify(args.format)}`);
    const now = Date.now();
    const since = args.since ? parseWhen(args.since, "--since", now) : undefined;
    const until = args.until ? parseWhen(args.until, "--until", now) : undefined;
    // folded as they are read: 50,000 conversations are never held at once
    const skipped: Parameters<typeof conversationsIn>[1] = [];
    const report = usageReport(
      (function* () {
        for (const { conversation } of conversationsIn(exportStore(args["key-file"]), skipped)) yield conversation;
      })(),
      { by, since, until },
    );
    const warning = skippedWarning(skipped);
    if (warning) ui.warn(warning);
    if (format === "json") out(`${JSON.stringify(report)}\n`);
    else if (format === "csv") out(usageCsv(report));
    else if (format === "table" || isTTY(1)) out(`${table(report.rows, report.total, by)}\n`);
    else for (const r of [...report.rows, report.total]) out(`${[r.key, r.conversations, r.turns, r.input_tokens, r.output_tokens, r.cache_read_input_tokens, r.cache_write_input_tokens, r.total_tokens, r.cost_usd ?? "unknown"].join("\t")}\n`);
    if (report.total.unpriced_turns) ui.warn(`${report.total.unpriced_turns} answers have no known price (cost unknown); see redux-chat prices`);
  },
});
