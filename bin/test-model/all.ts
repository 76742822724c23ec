// `redux-test-model --all`: the shared checks (credentials, identity), then one line per model as its probe finishes
// (stdout), and a summary (stderr); or one JSON array of per-model reports. Exit 0 only when every probed model answered.
import type { ParsedArgs } from "citty";
import type { testModelArgs } from "./args.ts";
import { probeAll } from "../../lib/bedrock/probe-all.ts";
import type { Check, SmokeReport } from "../../lib/bedrock/smoke-test.ts";
import { parseEndpoint, parseTimeout } from "../../lib/bedrock/inference.ts";
import { validateRegion } from "../../lib/bedrock/model-string.ts";
import { resolveRegion } from "../../lib/aws/profile.ts";
import { usageError } from "../../lib/errors.ts";
import { parseNumber } from "../../lib/numbers.ts";
import { color, colorOut, createUi, scrub } from "../shared/ui.ts";
import { out } from "../shared/io.ts";

type Args = ParsedArgs<typeof testModelArgs>;

const mark = (c: Check) => (c.skipped ? colorOut.gray("–") : c.ok ? colorOut.green("✔") : colorOut.red("✖"));

export async function testAll(args: Args, fallbacks: string[]) {
  if (args.model) throw usageError("--all tests every model of the region: it takes no -m", "redux-test-model --all --region R, or redux-test-model -m MODEL");
  if (args.invoke === false) throw usageError("--all calls every model: it takes no --no-invoke", "for credentials and identity alone: redux-test-model --no-invoke");
  if (fallbacks.length) throw usageError("--all probes each model on its own: it takes no --fallback", "to check fallbacks: redux-test-model -m MODEL --fallback M");
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  const concurrency = parseNumber(args.concurrency, { name: "--concurrency", min: 1, max: 64, integer: true, hint: "e.g. --concurrency 8" }) ?? 8;
  const region = args.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (await resolveRegion(undefined, args.profile));
  if (!region) throw usageError("no region to test", "pass --region or set AWS_REGION");
  validateRegion(region);
  const started = Date.now();
  const line = (s: string) => {
    if (!args.json) out(`${scrub(s)}\n`);
  };
  const result = await probeAll({
    region,
    profile: args.profile,
    endpoint: parseEndpoint(args["endpoint-url"]),
    concurrency,
    timeoutMs: parseTimeout(args.timeout, 30),
    debug: args.debug ? (l) => ui.debug(l) : undefined,
    onCheck: (c) => {
      line(`${mark(c)} ${c.name.padEnd(12)} ${c.detail}`);
      if (c.hint) line(`  ${colorOut.gray("hint:")} ${c.hint}`);
    },
    onModel: (r: SmokeReport) => {
      const c = r.checks.at(-1)!;
      line(`${mark(c)} ${r.model} ${colorOut.gray("·")} ${c.detail}`);
      if (c.hint && !c.ok) line(`  ${colorOut.gray("hint:")} ${c.hint}`);
    },
  });
  // when the shared checks failed no model was probed: the array holds that one report, so --json says why
  if (args.json) out(`${scrub(JSON.stringify(result.reports.length ? result.reports : [result.base]))}\n`);
  else if (!args.quiet && result.reports.length) {
    const skipped = result.reports.filter((r) => r.checks.at(-1)!.skipped).length;
    const failed = result.probed - result.answered;
    const summary = `${result.reports.length} models in ${region}: ${result.answered} answered${failed ? `, ${failed} failed` : ""}${skipped ? `, ${skipped} not called` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    ui.line(result.exit_code === 0 ? color.green(summary) : color.red(summary));
  }
  process.exitCode = result.exit_code;
}
