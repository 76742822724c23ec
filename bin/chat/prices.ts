// redux-chat prices: the prices that apply (USD per million tokens), and --refresh to rebuild ~/.amazon-q/prices.json
// from the AWS Price List offer files.
import { defineCommand } from "citty";
import { outputArgs } from "../shared/args.ts";
import { color, createUi } from "../shared/ui.ts";
import { columns, isTTY, out } from "../shared/io.ts";
import { byPriceKey, loadPrices, pricingId, type PriceEntry } from "../../lib/bedrock/prices.ts";
import { parseModelString, validateModelId, validateRegion } from "../../lib/bedrock/model-string.ts";
import { usageError } from "../../lib/errors.ts";

/** Which entries `--model` and `--region` ask about: an exact id (a custom: string also fixes the region). */
function selector(model: string | undefined, regions: string[]) {
  let id: string | undefined;
  let region: string | undefined;
  if (model?.startsWith("custom:")) ({ modelId: id, region } = parseModelString(model));
  else if (model !== undefined) {
    validateModelId(model, regions[0] ?? "us-east-1");
    id = model;
  }
  const want = new Set(region ? [region] : regions);
  const pid = id && pricingId(id);
  return { id, region, match: (e: PriceEntry) => (!pid || e.model_id === pid) && (!want.size || want.has(e.region)) };
}

const rate = (v: number | null) => (v === null ? "-" : String(v));

function table(rows: PriceEntry[]): string {
  const head = ["MODEL", "REGION", "TIER", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "SOURCE"];
  const cells = rows.map((e) => [e.model_id, e.region, e.tier, rate(e.input), rate(e.output), rate(e.cache_read), rate(e.cache_write), `${e.source} (${e.date})`]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const cols = columns();
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(width[i]!))).join("  ").slice(0, cols);
  return [color.bold(line(head)), ...cells.map(line)].join("\n");
}

export default defineCommand({
  meta: { name: "prices", description: "Show the prices that apply (USD per million tokens); --refresh fetches AWS's current ones" },
  args: {
    model: { type: "string", alias: "m", description: "only this exact model or profile id (or custom:<region>:<id>)", valueHint: "model" },
    region: { type: "string", description: "only these regions (comma-separated); with --refresh, the regions to fetch", valueHint: "region[,region]" },
    refresh: { type: "boolean", description: "rebuild ~/.amazon-q/prices.json from the AWS Price List offer files" },
    source: { type: "string", description: "with --refresh: base URL of the offer files (a mirror; default https://pricing.us-east-1.amazonaws.com)", valueHint: "url" },
    ...outputArgs,
    json: { ...outputArgs.json, description: "print JSON: the price entries as one array (schemas/prices.schema.json); with --refresh, one summary object (schemas/prices-refresh.schema.json)" },
  },
  async run({ args }) {
    const ui = createUi({ quiet: args.quiet, debug: args.debug });
    const regions = args.region === undefined ? [] : args.region.split(",").map((r) => validateRegion(r.trim()));
    if (args.source !== undefined && !args.refresh) throw usageError("--source only applies with --refresh");
    if (args.refresh) {
      if (args.model) throw usageError("--refresh reads every model of the alias table; --model does not apply");
      const { refreshPrices } = await import("../../lib/bedrock/price-refresh.ts");
      const spinner = ui.spinner("reading the AWS Price List offers");
      let s;
      try {
        s = await refreshPrices({ source: args.source, regions });
      } finally {
        spinner.stop();
      }
      if (args.json) out(`${JSON.stringify(s)}\n`);
      ui.success(`prices: ${s.entries} entries in ${s.path} (${s.added} new, ${s.changed} changed, ${s.unchanged} unchanged, ${s.kept} kept from before) from ${s.files.length} offer files in ${s.regions.join(", ")}`);
      if (s.missing.length) ui.warn(`not in the offers (their previous or built-in prices stay): ${s.missing.join(", ")}`);
      if (s.skipped_rows) ui.warn(`${s.skipped_rows} price rows of known models could not be read (unknown unit, or rows that disagree); those rates stay unknown`);
      return;
    }
    const prices = loadPrices();
    if (prices.problem) ui.warn(prices.problem);
    const sel = selector(args.model, regions);
    const rows = prices.entries.filter(sel.match).sort(byPriceKey);
    if (args.json) out(`${JSON.stringify(rows)}\n`);
    else if (isTTY(1)) {
      if (rows.length) out(`${table(rows)}\n`);
    } else for (const e of rows) out(`${[e.model_id, e.region, e.tier, e.input ?? "", e.output ?? "", e.cache_read ?? "", e.cache_write ?? "", e.source, e.date].join("\t")}\n`);
    if (!rows.length && sel.id) {
      ui.warn(`no price is known for ${sel.id}${sel.region ? ` in ${sel.region}` : regions.length ? ` in ${regions.join(", ")}` : ""}: its cost shows as unknown`);
      ui.info("`redux-chat prices --refresh` fetches AWS's current prices; ids are matched exactly (a profile such as us.… is priced on its own)");
    } else if (!args.json && rows.length) ui.info(`USD per million tokens; ${prices.overridePath ? `${prices.overridePath} over the built-in table` : "the built-in table (redux-chat prices --refresh for AWS's current prices)"}`);
  },
});
