// redux-chat batch status OUT / batch cancel OUT: the Bedrock batch jobs recorded in OUT.bedrock.json, read from that
// file alone (and GetModelInvocationJob); cancel stops the ones still running (StopModelInvocationJob).
import { defineCommand, type ParsedArgs } from "citty";
import { resolve } from "node:path";
import { outputArgs, awsArgs } from "../shared/args.ts";
import { createUi } from "../shared/ui.ts";
import { out } from "../shared/io.ts";
import { ExitCode, ReduxError } from "../../lib/errors.ts";
import { parseTimeout } from "../../lib/bedrock/inference.ts";
import type { BatchState } from "../../lib/batch/job-state.ts";

// cancel prints job ids, not JSON: only status takes --json (an unknown flag elsewhere exits 2, as README's Arguments says)
const cancelArgs = {
  output: { type: "positional", required: true, description: "the results file (OUT) of a --engine bedrock run" },
  profile: awsArgs.profile,
  timeout: { ...awsArgs.timeout, description: "seconds to wait for each control-plane call (default 60)" },
  quiet: outputArgs.quiet,
  debug: outputArgs.debug,
} as const;

const statusArgs = {
  ...cancelArgs,
  json: { ...outputArgs.json, description: "print the jobs as one JSON array (schemas/batch-status.schema.json)" },
} as const;

type JobControl = typeof import("../../lib/batch/job-control.ts");

/** Runs one job-control call on the state recorded beside OUT, with the UI both subcommands talk through. */
async function onJobs<T>(args: ParsedArgs<typeof cancelArgs>, call: (control: JobControl, state: BatchState, options: Parameters<JobControl["jobStatuses"]>[1]) => Promise<T>) {
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  const { readState, statePathFor } = await import("../../lib/batch/job-state.ts");
  const path = statePathFor(resolve(args.output));
  const state = readState(path);
  if (!state) throw new ReduxError(ExitCode.usage, `no Bedrock batch state for ${args.output} (${path} does not exist)`, "status and cancel work on the -o file of a --engine bedrock run");
  const control = await import("../../lib/batch/job-control.ts");
  const options = { profile: args.profile, timeoutMs: parseTimeout(args.timeout), debug: args.debug ? (l: string) => ui.debug(l) : undefined };
  return { ui, result: await call(control, state, options) };
}

export const status = defineCommand({
  meta: { name: "status", description: "Show the Bedrock batch jobs of OUT (from OUT.bedrock.json): state and record counts" },
  args: statusArgs,
  async run({ args }) {
    const { ui, result: rows } = await onJobs(args, (c, state, o) => c.jobStatuses(state, o));
    if (args.json) {
      out(`${JSON.stringify(rows)}\n`);
      return;
    }
    for (const r of rows) {
      const counts = r.total !== undefined ? ` · ${r.processed ?? 0}/${r.total} processed · ok ${r.ok ?? 0} · failed ${r.failed ?? 0}` : "";
      out(`${r.job_id ?? "-"}\t${r.status}\t${r.name}\t${r.model}${counts}${r.message ? ` · ${r.message}` : ""}\n`);
    }
    if (!rows.length) ui.info("no jobs recorded");
  },
});

export const cancel = defineCommand({
  meta: { name: "cancel", description: "Stop the running Bedrock batch jobs of OUT (StopModelInvocationJob)" },
  args: cancelArgs,
  async run({ args }) {
    const { ui, result: r } = await onJobs(args, (c, state, o) => c.cancelJobs(state, o));
    for (const id of r.stopped) out(`${id}\n`);
    if (!args.quiet) {
      ui.outcome("batch", `${r.stopped.length} job${r.stopped.length === 1 ? "" : "s"} stopping${r.finished.length ? `, ${r.finished.length} already finished` : ""}`, true);
      if (r.stopped.length) ui.info(`run the batch command again to collect what they finished (${args.output} keeps it; the rest is resubmitted)`);
    }
  },
});
