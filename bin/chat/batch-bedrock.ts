// The Bedrock side of `redux-chat batch` (--engine bedrock|auto): runs the engine in lib/batch/bedrock-engine.ts and
// talks to the person: job events and progress on stderr (a redrawn line on a terminal, plain lines otherwise), job
// ids on stdout for --detach, the summary, and the exit code of the outcome.
import { ExitCode, ReduxError } from "../../lib/errors.ts";
import type { BatchItem } from "../../lib/batch/input.ts";
import type { BedrockEngineOptions, BedrockEngineResult, JobProgress } from "../../lib/batch/bedrock-engine.ts";
import { canRedraw, color, type Ui } from "../shared/ui.ts";
import { out as stdout } from "../shared/io.ts";

/** The engine's options, with the person's side (ui) in place of its callbacks, and OUT as the person named it. */
type BedrockRunOptions = Omit<BedrockEngineOptions, "onEvent" | "onProgress" | "debug"> & { output: string; ui: Ui };

export interface BedrockRun {
  result: BedrockEngineResult;
  /** Items the local engine runs next (below a job's minimum, or failed records with --retry-failed local). */
  local: BatchItem[];
  /** Prints the summary; throws the error whose code is the exit code (none: exit 0). */
  finish(local?: { ok: number; failed: number }): void;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

export async function runBedrock(o: BedrockRunOptions): Promise<BedrockRun> {
  const { runBedrockEngine } = await import("../../lib/batch/bedrock-engine.ts");
  const { ui } = o;
  const t0 = Date.now();
  const progress = startJobProgress(ui);
  let result: BedrockEngineResult;
  try {
    const { ui: _ui, output: _output, ...engine } = o;
    result = await runBedrockEngine({
      ...engine,
      onEvent: (l) => progress.event(l),
      onProgress: (jobs) => progress.update(jobs),
      debug: ui.debugEnabled ? (l) => ui.debug(l) : undefined,
    });
  } finally {
    progress.stop();
  }
  if (result.detached) {
    for (const j of result.jobs) if (j.phase === "submitted" && j.jobArn) stdout(`${j.jobArn.split("/").pop()}\n`);
  }
  // what the collected results cost at the batch price: shown only when every model's batch price is known
  let cost = "";
  const priced = [...result.tokensByModel].filter(([, t]) => t.input + t.output > 0);
  if (priced.length) {
    const { modelCost, formatUsd } = await import("../../lib/bedrock/prices.ts");
    const usd = priced.map(([model, t]) => modelCost(model, { input_tokens: t.input, output_tokens: t.output }, "batch").usd);
    if (usd.every((u) => u !== null)) cost = ` · ${formatUsd(usd.reduce<number>((a, b) => a + b!, 0))} at the batch price`;
  }
  return {
    result,
    local: result.detached || result.interrupted ? [] : result.local,
    finish(local) {
      const r = result;
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (r.detached) {
        const open = r.jobs.filter((j) => j.phase === "submitted").length;
        ui.outcome("batch", `${plural(open, "Bedrock batch job")} running (${r.created.length} created now) · ${r.skipped} already ok · state in ${o.output}.bedrock.json`, true);
        ui.hint(`\`redux-chat batch status ${o.output}\` shows them; run the same command without --detach to collect the results`);
        return;
      }
      const ok = r.ok + (local?.ok ?? 0);
      const failed = r.failed + (local?.failed ?? 0);
      const line = `${ok} ok, ${failed} failed, ${r.skipped} skipped (already ok)${r.missing ? `, ${r.missing} without a result` : ""}${local ? ` (${local.ok + local.failed} ran locally)` : ""} · ${r.usage.total_tokens} tokens${cost} · ${secs} s`;
      ui.outcome("batch", line, !(failed || r.missing || r.outcome || r.interrupted));
      if (r.interrupted) throw new ReduxError(ExitCode.interrupted, "stopped waiting: the Bedrock batch jobs keep running", `run the same command again to collect their results, or stop them: redux-chat batch cancel ${o.output}`);
      if (r.outcome) throw r.outcome;
      if (failed) throw new ReduxError(ExitCode.partial, `${plural(failed, "item")} failed`, `run the same command again to resubmit them, or add --retry-failed local to run failed records here (${o.output} keeps the ok ones)`);
      if (r.missing) throw new ReduxError(ExitCode.partial, `${plural(r.missing, "item")} came back without a result`, "run the same command again to resubmit them");
    },
  };
}

/** Job states and counts on stderr: one redrawn line on a terminal; event lines plus a line every 30 s otherwise. */
function startJobProgress(ui: Ui) {
  let last: JobProgress[] = [];
  let lastLineAt = 0;
  const summary = (jobs: JobProgress[]) => {
    const sum = (k: "total" | "processed" | "ok" | "failed") => jobs.reduce((n, j) => n + j[k], 0);
    const states = [...new Set(jobs.map((j) => j.status))].join("/");
    return `${plural(jobs.length, "job")} ${states} · ${sum("processed")}/${sum("total")} processed · ok ${sum("ok")} · failed ${sum("failed")}`;
  };
  if (ui.quiet) return { event() {}, update() {}, stop() {} };
  if (canRedraw) {
    let drawn = false;
    return {
      event(l: string) {
        if (drawn) ui.redraw("");
        ui.line(`${color.cyan("batch:")} ${l}`);
        drawn = false;
      },
      update(jobs: JobProgress[]) {
        last = jobs;
        ui.redraw(summary(last).slice(0, ui.columns() - 1));
        drawn = true;
      },
      stop() {
        if (drawn) ui.redraw("");
      },
    };
  }
  return {
    event(l: string) {
      ui.line(`batch: ${l}`);
    },
    update(jobs: JobProgress[]) {
      last = jobs;
      if (Date.now() - lastLineAt < 30_000) return;
      lastLineAt = Date.now();
      ui.line(`batch: ${summary(last)}`);
    },
    stop() {},
  };
}
