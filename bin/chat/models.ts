// `redux-chat models`: which models these credentials can call, as a table on a terminal (80 columns: names and
// other columns shrink, ids are never cut), tab-separated lines with a header when piped, or one JSON array.
import { defineCommand, type ArgDef } from "citty";
import { usageError } from "../../lib/errors.ts";
import { parseTimeout } from "../../lib/bedrock/inference.ts";
import { validateRegion } from "../../lib/bedrock/model-string.ts";
import { resolveRegion } from "../../lib/aws/profile.ts";
import { BEDROCK_REGIONS, loadCatalog } from "../../lib/bedrock/model-catalog.ts";
import { matchesProvider, type ModelRow } from "../../lib/bedrock/discovery.ts";
import { byKind, renderTsv } from "./models-render.ts";
import { colorOut as color, createUi, formatLine } from "../shared/ui.ts";
import { columns, err, isTTY, out } from "../shared/io.ts";

const modelsArgs = {
  region: { type: "string", description: "region to list (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's)", valueHint: "region" },
  profile: { type: "string", description: "AWS profile from ~/.aws/config (default: AWS_PROFILE, then default)", valueHint: "name" },
  provider: { type: "string", description: "only this provider's models (case-insensitive; profiles and provisioned rows by their model)", valueHint: "name" },
  "all-regions": { type: "boolean", description: "every commercial region where the account's Bedrock answers, in parallel" },
  refresh: { type: "boolean", description: "fetch again instead of using the 24 h cache (~/.amazon-q/cache/)" },
  timeout: { type: "string", description: "seconds to wait for each control-plane call (default 30)", valueHint: "seconds" },
  json: { type: "boolean", description: "print one JSON array (schemas/models-output.schema.json)" },
  quiet: { type: "boolean", alias: "q", description: "print nothing on stderr but errors" },
  debug: { type: "boolean", description: "trace requests and cache decisions on stderr (secrets redacted)" },
} as const satisfies Record<string, ArgDef>;

const INVOKE: Record<ModelRow["invocation"], string> = { "on-demand": "on-demand", "profile-only": "profile only", provisioned: "provisioned" };
const ACCESS: Record<ModelRow["access"], string> = {
  authorized: "authorized",
  "agreement-pending": "agreement pending",
  "agreement-needed": "no agreement",
  "not-authorized": "not authorized",
  "not-available": "not in region",
  unknown: "unknown",
};

const modalities = (r: ModelRow) => (r.input_modalities.length || r.output_modalities.length ? `${r.input_modalities.join(",") || "?"}→${r.output_modalities.join(",") || "?"}` : "-");
const lifecycle = (r: ModelRow) => (r.lifecycle === "LEGACY" ? `LEGACY ${r.end_of_life ?? ""}`.trim() : r.lifecycle ? r.lifecycle.toLowerCase() : "-");
const streaming = (r: ModelRow) => (r.streaming === null ? "-" : r.streaming ? "yes" : "no");

interface Col {
  title: string;
  cell(r: ModelRow): string;
  min: number;
  /** Gives way first (names and descriptions); the others only once these are at their minimum. */
  soft?: boolean;
}

const REST: Col[] = [
  { title: "PROVIDER", cell: (r) => r.provider ?? "-", min: 6, soft: true },
  { title: "NAME", cell: (r) => r.name, min: 8, soft: true },
  { title: "IN→OUT", cell: modalities, min: 6, soft: true },
  { title: "STREAM", cell: streaming, min: 6 },
  { title: "INVOKE", cell: (r) => INVOKE[r.invocation], min: 12 },
  { title: "LIFECYCLE", cell: lifecycle, min: 17 },
  { title: "ACCESS", cell: (r) => ACCESS[r.access], min: 13 },
];

const cut = (s: string, w: number) => (s.length <= w ? s.padEnd(w) : `${s.slice(0, Math.max(0, w - 1))}…`);

/** Column widths that fit `avail`: the widest soft column gives way first, then the others, none below its minimum. */
function fitWidths(natural: number[], mins: number[], soft: boolean[], avail: number, gap: number): number[] {
  const w = [...natural];
  let over = w.reduce((a, b) => a + b, 0) + gap * (w.length - 1) - avail;
  for (const phase of [true, false]) {
    while (over > 0) {
      let widest = -1;
      for (let i = 0; i < w.length; i++) if ((soft[i] || !phase) && w[i]! > mins[i]! && (widest < 0 || w[i]! > w[widest]!)) widest = i;
      if (widest < 0) break;
      w[widest]!--;
      over--;
    }
  }
  return w;
}

/** The terminal table: one line a row when the ids leave room, else the model string on its own line. */
function renderTable(rows: ModelRow[], width: number): string {
  const cells = rows.map((r) => REST.map((c) => c.cell(r)));
  const natural = REST.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
  const mins = REST.map((c, i) => Math.min(c.min, natural[i]!));
  // an ARN may run longer than the others: it gets a line of its own rather than widening every row
  const modelW = Math.max(5, ...rows.filter((r) => !r.id.startsWith("arn:")).map((r) => r.model.length));
  const soft = REST.map((c) => Boolean(c.soft));
  const restMin = (gap: number) => mins.reduce((a, b) => a + b, 0) + gap * (REST.length - 1);
  const oneLine = modelW + 2 + restMin(2) <= width;
  // under the model string, one space between columns leaves the names a little more room
  const gap = oneLine ? 2 : 1;
  const widths = fitWidths(natural, mins, soft, oneLine ? width - modelW - 2 : width - 2, gap);
  const line = (vals: string[]) => vals.map((v, i) => cut(v, widths[i]!)).join(" ".repeat(gap)).trimEnd();
  const lines: string[] = [];
  const head = line(REST.map((c) => c.title));
  if (oneLine) lines.push(color.bold(`${"MODEL".padEnd(modelW)}  ${head}`));
  else lines.push(color.bold("MODEL"), color.bold(`  ${head}`));
  rows.forEach((r, i) => {
    if (oneLine && r.model.length <= modelW) lines.push(`${r.model.padEnd(modelW)}  ${line(cells[i]!)}`);
    else if (oneLine) lines.push(r.model, `${" ".repeat(modelW + 2)}${line(cells[i]!)}`);
    else lines.push(r.model, `  ${line(cells[i]!)}`);
    if (r.profile) lines.push(`  ${color.gray("↳ use")} ${r.profile}`);
  });
  return `${lines.join("\n")}\n`;
}

type Args = { [K in keyof typeof modelsArgs]?: (typeof modelsArgs)[K]["type"] extends "boolean" ? boolean : string };

async function listModels(args: Args) {
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  const timeoutMs = parseTimeout(args.timeout, 30);
  // AWS_REGION first without loading the SDK's config reader: a warm run stays as light as --version
  const home = args.region ? validateRegion(args.region) : process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (await resolveRegion(undefined, args.profile));
  if (!home && !args["all-regions"]) throw usageError("no region to list", "pass --region, set AWS_REGION, or use --all-regions");
  if (home) validateRegion(home);
  const regions = args["all-regions"] ? [...BEDROCK_REGIONS] : [home!];
  const provider = args.provider?.trim();
  if (args.provider !== undefined && !provider) throw usageError("--provider cannot be empty");

  const catalog = await loadCatalog({
    regions,
    tolerant: Boolean(args["all-regions"]),
    profile: args.profile,
    refresh: Boolean(args.refresh),
    timeoutMs,
    debug: args.debug ? (l) => ui.debug(l) : undefined,
  });
  const rows = catalog.discoveries.flatMap((d) => d.rows).filter((r) => !provider || matchesProvider(r, provider)).sort(byKind);

  if (args.json) out(`${JSON.stringify(rows)}\n`);
  else if (isTTY(1)) out(renderTable(rows, columns() || 80));
  else out(renderTsv(rows));

  if (!args.quiet) {
    const say = (s: string, kind: "warning" | "info" = "info") => err(`${formatLine(kind, s)}\n`);
    for (const d of catalog.discoveries) {
      for (const w of d.warnings) say(`${d.region}: ${w.action}: ${w.message}${catalog.cached.includes(d.region) ? " (cached; --refresh to ask again)" : ""}`, "warning");
    }
    const silent = catalog.discoveries.filter((d) => d.unreachable).map((d) => d.region);
    if (args["all-regions"]) say(`${catalog.discoveries.length - silent.length} regions answered${silent.length ? `; no answer from ${silent.join(", ")}` : ""}`);
    if (provider && !rows.length) say(`no model of provider ${JSON.stringify(provider)}${args["all-regions"] ? "" : ` in ${home}`}`);
  }
}

export default defineCommand({
  meta: { name: "models", description: "List the models these credentials can call (cached 24 h; --refresh to ask again)" },
  args: modelsArgs,
  run: ({ args }) => listModels(args as Args),
});
