// redux-chat batch IN [-o OUT]: a file of prompts for cron. Every answer lands in OUT exactly once, across throttling,
// crashes and re-runs; progress goes to stderr (a bar on a terminal, periodic lines otherwise).
import { defineCommand } from "citty";
import { accessSync, constants, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { awsArgs, fallbackArgs, inferenceArgs, modelArgs, outputArgs } from "../shared/args.ts";
import { repeated } from "../shared/cli.ts";
import { subCommands } from "../commands.ts";
import { onInterrupt } from "../shared/interrupt.ts";
import { canRedraw, color, createUi, type Ui } from "../shared/ui.ts";
import { ExitCode, ReduxError, translateAwsError, usageError } from "../../lib/errors.ts";
import { fsError } from "../../lib/fs-errors.ts";
import { checkItemFeatures, parseBatchInput, type BatchInputFormat, type BatchItem } from "../../lib/batch/input.ts";
import { checkIsBatchOutput, openOutputFile, scanExisting, streamOutput, type BatchOutput } from "../../lib/batch/output.ts";
import { createStats, runBatch, type BatchStats, type BatchSummary } from "../../lib/batch/runner.ts";
import { chooseModel } from "../../lib/bedrock/model-choice.ts";
import { chooseFallbacks } from "../../lib/bedrock/targets.ts";
import { regionClients, type ClientFor } from "../../lib/bedrock/clients.ts";
import { cooldownMs, createHealth } from "../../lib/bedrock/health.ts";
import { fallbackNote } from "../../lib/bedrock/failover.ts";
import { resolveRegion } from "../../lib/aws/profile.ts";
import { bearerToken } from "../../lib/aws/credentials.ts";
import { parseEndpoint, parseInference, parseTimeout } from "../../lib/bedrock/inference.ts";
import { lockFile } from "../../lib/conversations/store.ts";
import { conversationsDir } from "../../lib/paths.ts";
import { loadKey } from "../../lib/conversations/envelope.ts";
import { readSettings } from "../../lib/settings.ts";
import { parseNumber } from "../../lib/numbers.ts";
import { err, out as stdout } from "../shared/io.ts";

const whole = (v: string | undefined, flag: string, max: number, min = 1) =>
  parseNumber(v, { name: flag, min, max, integer: true, hint: `e.g. ${flag} ${Math.max(min, Math.min(max, 10))}` });

/** The same file, through symlinks too: a result file that is the input would be compacted away. */
const sameFile = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
};

/** OUT must be a file (or not exist yet) in a directory that exists: said plainly before anything is locked. */
function checkOutputPath(path: string) {
  try {
    if (!statSync(dirname(path)).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    // OUT and its lock are written beside it: EACCES, EROFS
    accessSync(dirname(path), constants.W_OK);
  } catch (err) {
    throw fsError(err, path, "write the batch output");
  }
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fsError(err, path, "write the batch output");
  }
}

export default defineCommand({
  meta: { name: "batch", description: "Run a file of prompts (JSONL or one prompt a line); results as JSON lines" },
  args: {
    input: { type: "positional", required: true, description: "JSONL or plain-text prompt file, or - for stdin" },
    format: { type: "string", description: "input format: auto (JSONL when the first line starts with {), jsonl or text", valueHint: "auto|jsonl|text" },
    output: { type: "string", alias: "o", description: "results file (JSON lines); a re-run skips ids already ok. Default: stdout (no resume)", valueHint: "path" },
    concurrency: { type: "string", description: "requests in flight at most (default 4; lowered while Bedrock throttles)", valueHint: "n" },
    "max-attempts": { type: "string", description: "attempts per item for throttling and transient errors (default 5)", valueHint: "n" },
    "max-items": { type: "string", description: "launch at most this many items in this run", valueHint: "n" },
    "max-total-tokens": { type: "string", description: "stop launching items once this run has used this many tokens", valueHint: "n" },
    grace: { type: "string", description: "seconds in-flight items get to finish after SIGINT/SIGTERM (default 30)", valueHint: "seconds" },
    save: { type: "boolean", description: "also save each item as a conversation" },
    engine: { type: "string", description: "local (default: requests from this machine), bedrock (Bedrock Batch Inference jobs, S3 in and out) or auto (bedrock from 100 items)", valueHint: "local|bedrock|auto" },
    s3: { type: "string", description: "bedrock: S3 location for records and results (default: setting batch.s3)", valueHint: "s3://bucket/prefix" },
    "role-arn": { type: "string", description: "bedrock: service role the jobs use to read and write S3 (default: setting batch.roleArn)", valueHint: "arn" },
    "poll-interval": { type: "string", description: "bedrock: longest wait between job status checks (default 60)", valueHint: "seconds" },
    detach: { type: "boolean", description: "bedrock: submit the jobs, print their ids and exit; a later run collects the results" },
    "retry-failed": { type: "string", description: "bedrock: run failed records (and items below a job's minimum) with this engine", valueHint: "local" },
    ...modelArgs,
    ...fallbackArgs,
    ...inferenceArgs,
    ...awsArgs,
    // --json is left out: the results already are JSON lines
    quiet: outputArgs.quiet,
    debug: outputArgs.debug,
  },
  subCommands: subCommands["redux-chat batch"],

  async run({ args, rawArgs }) {
    const ui = createUi({ quiet: args.quiet, debug: args.debug });
    const engine = args.engine ?? "local";
    if (!["local", "bedrock", "auto"].includes(engine)) throw usageError(`--engine must be local, bedrock or auto, got ${JSON.stringify(args.engine)}`);
    if (args["retry-failed"] !== undefined && args["retry-failed"] !== "local") throw usageError(`--retry-failed takes local, got ${JSON.stringify(args["retry-failed"])}`);
    const pollSecs = parseNumber(args["poll-interval"], { name: "--poll-interval", min: 0.05, max: 3600, unit: "seconds", hint: "e.g. --poll-interval 60" }) ?? 60;
    if (engine !== "local" && (!args.output || args.output === "-")) throw usageError(`--engine ${engine} needs -o OUT`, "the job state is kept beside OUT (OUT.bedrock.json), so a re-run can attach to the jobs");
    // budgets and --save act on requests sent from here: a Bedrock job cannot honour them
    const localOnly = (["max-items", "max-total-tokens", "save"] as const).find((f) => args[f] !== undefined && args[f] !== false);
    if (engine === "bedrock" && localOnly) throw usageError(`--${localOnly} applies to --engine local only`, "drop it, or use --engine auto (it applies to what runs locally)");
    if (engine === "local" && (args.s3 || args["role-arn"] || args.detach || args["retry-failed"])) throw usageError("--s3, --role-arn, --detach and --retry-failed need --engine bedrock or auto");
    const format = (args.format ?? "auto") as BatchInputFormat;
    if (!["auto", "jsonl", "text"].includes(format)) throw usageError(`--format must be auto, jsonl or text, got ${JSON.stringify(args.format)}`, "auto reads JSONL when the first line starts with {, else one prompt a line");
    const concurrency = whole(args.concurrency, "--concurrency", 256) ?? 4;
    const maxAttempts = whole(args["max-attempts"], "--max-attempts", 20) ?? 5;
    const maxItems = whole(args["max-items"], "--max-items", 1e9);
    const maxTotalTokens = whole(args["max-total-tokens"], "--max-total-tokens", 1e12);
    const graceMs = (whole(args.grace, "--grace", 3600, 0) ?? 30) * 1000;
    const output = args.output === "-" ? undefined : args.output;
    if (output && args.input !== "-" && sameFile(output, args.input)) throw usageError("-o names the input file", "write the results to another file");
    const timeoutMs = parseTimeout(args.timeout);
    const endpoint = parseEndpoint(args["endpoint-url"]);
    const inference = parseInference({ maxTokens: args["max-tokens"], temperature: args.temperature, topP: args["top-p"], stop: repeated(rawArgs, "stop") });

    const source = args.input === "-" ? "stdin" : args.input;
    let text: string;
    try {
      text = args.input === "-" ? await new Response(Bun.stdin.stream()).text() : readFileSync(args.input, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw usageError(
        code === "ENOENT" ? `no such input file: ${source}` : `cannot read ${source}: ${(err as Error).message}`,
        code === "ENOENT" ? "check the path; give - to read the prompts from stdin" : "check the file's permissions, or pipe it in with -",
      );
    }
    // the region lookup can end at EC2 instance metadata: only when some line's model is a bare id
    const bareModel = /"model"\s*:\s*"(?!\s*custom:)/.test(text);
    let items = parseBatchInput(text, {
      defaultRegion: bareModel ? await resolveRegion(args.region, args.profile) : args.region,
      source,
      format,
      // attachment and schema paths in the input are relative to the input file
      baseDir: args.input === "-" ? process.cwd() : dirname(resolve(args.input)),
    });
    if (items.length === 0) throw usageError(`${source} has no prompts`, "one prompt a line, or one JSON object a line: {\"id\":\"a1\",\"prompt\":\"...\"}");
    const model = items.some((it) => !it.model) ? await chooseModel({ flag: args.model, region: args.region, profile: args.profile }) : undefined;
    checkItemFeatures(items, { modelId: model?.modelId, inference }, source);

    // everything that can be refused is checked before OUT is locked and repaired
    const settings = readSettings();
    const fallbackFlags = repeated(rawArgs, "fallback");
    const fallbacks = chooseFallbacks({
      flags: fallbackFlags,
      setting: typeof settings["chat.fallbackModels"] === "string" ? settings["chat.fallbackModels"] : undefined,
      defaultRegion: fallbackFlags.some((f) => !f.trim().startsWith("custom:")) ? await resolveRegion(args.region, args.profile) : undefined,
    });
    const cooldown = cooldownMs();
    const key = args.save ? loadKey({ settings }) : undefined;

    // one client per region, one credential chain (in the region of the first item to run); the credentials are
    // checked before OUT is created, repaired or compacted, so a run without them writes nothing (and nothing is
    // checked when every item is already done)
    let clientFor!: ClientFor;
    const checkCredentials = async (done: Set<string>) => {
      const first = items.find((it) => !done.has(it.id));
      const firstRegion = (first?.model ?? model ?? items[0]!.model!).region;
      clientFor = regionClients({ credentialRegion: firstRegion, profile: args.profile, endpoint, timeoutMs, maxAttempts: 1, pool: concurrency, debug: args.debug ? (l) => ui.debug(l) : undefined });
      if (!first || bearerToken() === "set") return;
      await (await clientFor(firstRegion)).config.credentials().catch((e: unknown) => {
        throw translateAwsError(e, { region: firstRegion, profile: args.profile });
      });
    };

    let release = () => {};
    let out: BatchOutput;
    if (output) {
      const path = resolve(output);
      checkOutputPath(path);
      release = lockFile(path, { what: "batch output", hint: "wait for that run to finish (a re-run then resumes), or write to another -o file" });
      try {
        // read-only until everything that can refuse the run has been checked
        const existing = scanExisting(path);
        checkIsBatchOutput(output, existing);
        await checkCredentials(existing.done);
        const file = openOutputFile(path, existing);
        const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
        if (file.repaired) ui.info(`${output}: removed ${plural(file.repaired, "broken line")} (cut off by a crash, or a repeat)`);
        if (file.retrying) ui.info(`${output}: retrying ${plural(file.retrying, "item")} that failed before`);
        out = file;
      } catch (err) {
        release();
        throw err;
      }
    } else {
      await checkCredentials(new Set());
      out = streamOutput(stdout);
    }

    // --engine bedrock, or auto with a job's worth of items (or jobs of an earlier run to collect)
    let bedrock: import("./batch-bedrock.ts").BedrockRun | undefined;
    if (engine === "bedrock" || (engine === "auto" && (await wantsBedrock(items, out, resolve(output!))))) {
      const { runBedrock } = await import("./batch-bedrock.ts");
      const stopWaiting = new AbortController();
      const stopListening = onInterrupt(() => {
        ui.warn("stopping: the jobs keep running on Bedrock; a re-run collects them");
        stopWaiting.abort();
      }, { quitOnSecond: false });
      try {
        bedrock = await runBedrock({
          items,
          out,
          outPath: resolve(output!),
          output: output!,
          defaults: { model, system: args.system, inference },
          s3: args.s3 ?? (typeof settings["batch.s3"] === "string" ? settings["batch.s3"] : undefined),
          roleArn: args["role-arn"] ?? (typeof settings["batch.roleArn"] === "string" ? settings["batch.roleArn"] : undefined),
          profile: args.profile,
          timeoutMs,
          pollIntervalMs: pollSecs * 1000,
          detach: Boolean(args.detach),
          localFallback: engine === "auto" || args["retry-failed"] === "local",
          retryFailedLocal: args["retry-failed"] === "local",
          stop: stopWaiting.signal,
          ui,
        });
      } catch (e) {
        try {
          await out.close();
        } finally {
          release();
        }
        throw e;
      } finally {
        stopListening();
      }
      if (!bedrock.local.length) {
        try {
          await out.close();
        } finally {
          release();
        }
        return bedrock.finish();
      }
      items = bedrock.local;
      if (!args.quiet) ui.info(`running ${items.length} item${items.length === 1 ? "" : "s"} with the local engine`);
    }

    if (fallbacks.models.length) ui.debug(`fallbacks ${fallbacks.models.map((f) => f.model).join(", ")} (from ${fallbacks.source})`);

    const stop = new AbortController();
    const stopListening = onInterrupt(() => {
      ui.warn(`stopping: no new items; in-flight ones have ${graceMs / 1000} s to finish (signal again to quit now)`);
      stop.abort();
    }, { beforeQuit: () => release() });

    const stats = createStats(items.length);
    const progress = startProgress(ui, stats, maxItems);
    // JSC collects lazily, so the peak RSS of a long run grows with its length; a full collection every second keeps
    // it flat (the live heap is small: results go straight to OUT)
    const gc = setInterval(() => Bun.gc(true), 1000);
    gc.unref();
    let summary: BatchSummary;
    let closeError: unknown;
    try {
      summary = await runBatch({
        items,
        out,
        defaults: { model, system: args.system, inference },
        concurrency,
        maxAttempts,
        maxItems,
        maxTotalTokens,
        timeoutMs,
        clientFor,
        fallbacks: fallbacks.models,
        health: createHealth({ baseMs: cooldown }),
        debug: args.debug ? (l) => ui.debug(l) : undefined,
        onFallback: (target, failed) => ui.info(`${fallbackNote({ target: { model: target }, failed })}; later items may go there too`),
        save: args.save ? { dir: conversationsDir(), ...(key ? { key } : {}) } : undefined,
        stop: stop.signal,
        graceMs,
        profile: args.profile,
      }, stats);
    } finally {
      clearInterval(gc);
      progress.stop();
      try {
        await out.close();
      } catch (e) {
        closeError = e;
      } finally {
        release();
      }
      stopListening();
    }

    if (bedrock) {
      if (summary.fatal) throw summary.fatal;
      if (closeError) throw closeError;
      if (summary.stoppedBy === "signal") throw new ReduxError(ExitCode.interrupted, "interrupted: the items that finished were recorded", "run the same command again to do the rest");
      return bedrock.finish({ ok: summary.ok, failed: summary.failed });
    }
    const secs = (summary.wallMs / 1000).toFixed(1);
    const line = `${summary.ok} ok, ${summary.failed} failed, ${summary.skipped} skipped (already ok)${summary.notRun ? `, ${summary.notRun} not run` : ""} · ${summary.usage.total_tokens} tokens · ${secs} s`;
    if (!args.quiet) err(`${summary.failed || summary.notRun ? color.yellow("batch:") : color.green("batch:")} ${line}\n`);
    if (!args.quiet && fallbacks.models.length) err(`batch: answered by ${answeredBy(summary.answeredBy, model ? [model.model, ...fallbacks.models.map((f) => f.model)] : [])}\n`);
    if (summary.fatal) throw summary.fatal;
    if (closeError) throw closeError;
    if (summary.stoppedBy === "signal") throw new ReduxError(ExitCode.interrupted, "interrupted: the items that finished were recorded", output ? "run the same command again to do the rest" : undefined);
    // a budget leaves items not run: exit 7 (not 0), so cron can tell "done" from "stopped early", even under -q
    if (summary.stoppedBy === "max-items" || summary.stoppedBy === "max-total-tokens") {
      const why = summary.stoppedBy === "max-items" ? `after --max-items ${maxItems}` : `the token budget (--max-total-tokens ${maxTotalTokens}) is spent`;
      const failed = summary.failed ? `, ${summary.failed} failed` : "";
      throw new ReduxError(
        ExitCode.partial,
        `stopped early: ${why}; ${summary.notRun} item${summary.notRun === 1 ? "" : "s"} not run${failed}`,
        output ? "run the same command again to continue (items already ok are skipped)" : "raise the budget, or write to -o OUT so that a re-run continues where this one stopped",
      );
    }
    if (summary.failed) throw new ReduxError(ExitCode.partial, `${summary.failed} item${summary.failed === 1 ? "" : "s"} failed`, output ? `run the same command again to retry them (${output} keeps the ok ones)` : "see the error field of their lines");
  },
});

/** --engine auto: Bedrock when the items not yet ok reach a job's minimum, or when an earlier run left jobs to collect. */
async function wantsBedrock(items: BatchItem[], out: BatchOutput, outPath: string): Promise<boolean> {
  const { JOB_MIN_RECORDS } = await import("../../lib/batch/records.ts");
  const { readState, statePathFor, openJobs } = await import("../../lib/batch/job-state.ts");
  const state = readState(statePathFor(outPath));
  if (state && openJobs(state).length) return true;
  return items.filter((it) => !out.done.has(it.id)).length >= JOB_MIN_RECORDS;
}

/** `custom:us-east-1:… 0, custom:us-west-2:… 1000`: every target of the default model (even with 0), then any other. */
function answeredBy(counts: Record<string, number>, targets: string[]): string {
  const keys = [...new Set([...targets, ...Object.keys(counts)])];
  return keys.map((k) => `${k} ${counts[k] ?? 0}`).join(", ");
}

/** 42s, 12m05s, 3h07m. */
function formatDuration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const visible = (s: string) => s.replace(/\u001B\[[0-9;]*m/g, "").length;

/** A bar with rate, ETA, counts and tokens on a terminal; a plain line every 10 s otherwise; nothing under --quiet. */
function startProgress(ui: Ui, s: BatchStats, maxItems?: number) {
  if (ui.quiet) return { stop() {} };
  const todo = () => Math.min(s.total - s.skipped, maxItems ?? Infinity);
  const render = () => {
    const done = s.ok + s.failed;
    const secs = (Date.now() - s.startedAt) / 1000;
    const rate = done / Math.max(secs, 0.001);
    const eta = rate > 0 ? formatDuration((todo() - done) / rate) : "?";
    const pct = todo() ? Math.min(1, done / todo()) : 1;
    return { done, rate, eta, pct };
  };
  if (canRedraw) {
    const cols = () => process.stderr.columns || 80;
    const t = setInterval(() => {
      const { done, rate, eta, pct } = render();
      const width = 20;
      const bar = "█".repeat(Math.round(pct * width)).padEnd(width, "░");
      const parts = [
        `${color.cyan(bar)} ${done}/${todo()}`,
        `${rate.toFixed(1)}/s`,
        `ETA ${eta}`,
        color.green(`ok ${s.ok}`),
        s.failed ? color.red(`failed ${s.failed}`) : "failed 0",
        `${s.usage.total_tokens} tok`,
        `×${s.concurrency || "-"}`,
      ];
      // one line that fits: a wrapped line could not be redrawn in place
      while (parts.length > 1 && visible(parts.join(" · ")) >= cols()) parts.pop();
      err(`\r\u001B[2K${parts.join(" · ")}`);
    }, 200);
    return { stop: () => (clearInterval(t), err("\r\u001B[2K")) };
  }
  const t = setInterval(() => {
    const { done, rate, eta } = render();
    err(`batch: ${done}/${todo()} done (${s.ok} ok, ${s.failed} failed) · ${rate.toFixed(1)}/s · ETA ${eta} · ${s.usage.total_tokens} tokens\n`);
  }, 10_000);
  return { stop: () => clearInterval(t) };
}
