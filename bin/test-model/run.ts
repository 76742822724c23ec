// Runs the smoke test and shows each check as a line with a mark and a detail (stdout), or one JSON object.
import type { ParsedArgs } from "citty";
import type { testModelArgs } from "./args.ts";
import { emptyReport, runSmokeTest, type Check, type SmokeReport } from "../../lib/bedrock/smoke-test.ts";
import { parseEndpoint, parseTimeout } from "../../lib/bedrock/inference.ts";
import { ExitCode } from "../../lib/errors.ts";
import { color, colorOut, createUi, scrub } from "../shared/ui.ts";
import { out } from "../shared/io.ts";

type Args = ParsedArgs<typeof testModelArgs>;

const NAMES: Record<Check["name"], string> = { model: "model", credentials: "credentials", identity: "identity", invoke: "invoke" };

function line(c: Check): string {
  const mark = c.skipped ? colorOut.gray("–") : c.ok ? colorOut.green("✔") : colorOut.red("✖");
  const out = [`${mark} ${NAMES[c.name].padEnd(12)} ${c.detail}`];
  if (c.hint) out.push(`  ${colorOut.gray("hint:")} ${c.hint}`);
  return scrub(out.join("\n"));
}

export async function smokeTest(args: Args, fallbacks: string[]) {
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  const timeoutMs = parseTimeout(args.timeout, 30);
  const endpoint = parseEndpoint(args["endpoint-url"]);
  const started = Date.now();
  const shown: Check[] = [];
  const partial = emptyReport();
  const onCheck = (c: Check) => {
    shown.push(c);
    if (!args.json) out(`${line(c)}\n`);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
  const result = await Promise.race([
    runSmokeTest({ model: args.model, region: args.region, profile: args.profile, endpoint, invoke: args.invoke !== false, fallbacks, timeoutMs, debug: args.debug ? (l) => ui.debug(l) : undefined, onCheck }, partial),
    deadline,
  ]);
  clearTimeout(timer);
  let report: SmokeReport;
  if (result === "timeout") {
    const c: Check = { name: (["model", "credentials", "identity", "invoke"] as const)[Math.min(shown.length, 3)]!, ok: false, detail: `timed out after ${timeoutMs / 1000} s`, error: "unavailable", hint: "raise --timeout, or check the network path (proxy, firewall) to AWS" };
    onCheck(c);
    report = { ...partial, ok: false, exit_code: ExitCode.unavailable, checks: shown };
  } else {
    report = result;
  }
  if (args.json) out(`${scrub(JSON.stringify(report))}\n`);
  else ui.line(`${report.ok ? color.green("all checks passed") : color.red("a check failed")} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = report.exit_code;
}
