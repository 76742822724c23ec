// redux-chat batch IN [-o OUT]: a file of prompts for cron. Every answer lands in OUT exactly once, across throttling,
// crashes and re-runs; progress goes to stderr (a bar on a terminal, periodic lines otherwise).
import { defineCommand, type ArgDef, type ParsedArgs } from "citty";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { awsArgs, fallbackArgs, inferenceArgs, modelArgs, outputArgs } from "../shared/args.ts";
import { repeated } from "../shared/cli.ts";
import { subCommands } from "../commands.ts";
import { onInterrupt } from "../shared/interrupt.ts";
import { canRedraw, color, createUi, type Ui } from "../shared/ui.ts";
import { ExitCode, ReduxError, usageError } from "../../lib/errors.ts";
import { checkItemFeatures, parseBatchInput, type BatchInputFormat, type BatchItem } from "../../lib/batch/input.ts";
import { createStats, runBatch, type BatchStats, type BatchSummary } from "../../lib/batch/runner.ts";
import { batchClients, openRunOutput, sameFile, wantsBedrock, type RunOutput } from "../../lib/batch/run-setup.ts";
import { chooseModel } from "../../lib/bedrock/model-choice.ts";
import { chooseFallbacks } from "../../lib/bedrock/targets.ts";
import { cooldownMs, createHealth } from "../../lib/bedrock/health.ts";
import { fallbackNote } from "../../lib/bedrock/failover.ts";
import { resolveRegion } from "../../lib/aws/profile.ts";
import { parseEndpoint, parseInference, parseTimeout } from "../../lib/bedrock/inference.ts";
import type { ModelRef } from "../../lib/bedrock/model-string.ts";
import { conversationsDir } from "../../lib/paths.ts";
import { loadKey } from "../../lib/conversations/envelope.ts";
import { readSettings, type Settings } from "../../lib/settings.ts";
import { parseNumber } from "../../lib/numbers.ts";
import { formatUsd, priceFor, tierOf, type Tier } from "../../lib/bedrock/prices.ts";
import { err, out as stdout } from "../shared/io.ts";

const whole = (v: string | undefined, flag: string, max: number, min = 1) =>
  parseNumber(v, { name: flag, min, max, integer: true, hint: `e.g. ${flag} ${Math.max(min, Math.min(max, 10))}` });

const batchArgs = {
  input: { type: "positional", required: true, description: "JSONL or plain-text prompt file, or - for stdin" },
  format: { type: "string", description: "input format: auto (JSONL when the first line starts with {), jsonl or text", valueHint: "auto|jsonl|text" },
  output: { type: "string", alias: "o", description: "results file (JSON lines); a re-run skips ids already ok. Default: stdout (no resume)", valueHint: "path" },
  concurrency: { type: "string", description: "requests in flight at most (default 4; lowered while Bedrock throttles)", valueHint: "n" },
  "max-attempts": { type: "string", description: "attempts per item for throttling and transient errors (default 5)", valueHint: "n" },
  "max-items": { type: "string", description: "launch at most this many items in this run", valueHint: "n" },
  "max-total-tokens": { type: "string", description: "stop launching items once this run has used this many tokens", valueHint: "n" },
  "max-cost": { type: "string", description: "stop launching items once this run's spend (in-flight items estimated) would pass this many USD; exit 7", valueHint: "usd" },
  grace: { type: "string", description: "seconds in-flight items get to finish after SIGINT/SIGTERM (default 30)", valueHint: "seconds" },
  save: { type: "boolean", description: "also save each item as a conversation" },
  "auto-profile": { type: "boolean", description: "retry items whose model is refused for on-demand throughput through its inference profile (default; setting chat.autoProfile)", negativeDescription: "never switch to an inference profile by itself" },
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
} as const satisfies Record<string, ArgDef>;

type BatchArgs = ParsedArgs<typeof batchArgs>;

export default defineCommand({
  meta: { name: "batch", description: "Run a file of prompts (JSONL or one prompt a line); results as JSON lines" },
  args: batchArgs,
  subCommands: subCommands["redux-chat batch"],
  run: ({ args, rawArgs }) => {
    // the build starts every run with the JIT reluctant (one-shot paths gain); a batch runs long enough to want it back
    Bun.unsafe.setJITPolicy(1);
    return batchCommand(args, rawArgs);
  },
});

/** Every flag, checked before the input is read. */
function batchFlags(args: BatchArgs, rawArgs: string[]) {
  const engine = args.engine ?? "local";
  if (!["local", "bedrock", "auto"].includes(engine)) throw usageError(`--engine must be local, bedrock or auto, got ${JSON.stringify(args.engine)}`);
  if (args["retry-failed"] !== undefined && args["retry-failed"] !== "local") throw usageError(`--retry-failed takes local, got ${JSON.stringify(args["retry-failed"])}`);
  const pollSecs = parseNumber(args["poll-interval"], { name: "--poll-interval", min: 0.05, max: 3600, unit: "seconds", hint: "e.g. --poll-interval 60" }) ?? 60;
  if (engine !== "local" && (!args.output || args.output === "-")) throw usageError(`--engine ${engine} needs -o OUT`, "the job state is kept beside OUT (OUT.bedrock.json), so a re-run can attach to the jobs");
  // budgets and --save act on requests sent from here: a Bedrock job cannot honour them
  const localOnly = (["max-items", "max-total-tokens", "max-cost", "save"] as const).find((f) => args[f] !== undefined && args[f] !== false);
  if (engine === "bedrock" && localOnly) throw usageError(`--${localOnly} applies to --engine local only`, "drop it, or use --engine auto (it applies to what runs locally)");
  if (engine === "local" && (args.s3 || args["role-arn"] || args.detach || args["retry-failed"])) throw usageError("--s3, --role-arn, --detach and --retry-failed need --engine bedrock or auto");
  const format = (args.format ?? "auto") as BatchInputFormat;
  if (!["auto", "jsonl", "text"].includes(format)) throw usageError(`--format must be auto, jsonl or text, got ${JSON.stringify(args.format)}`, "auto reads JSONL when the first line starts with {, else one prompt a line");
  const output = args.output === "-" ? undefined : args.output;
  if (output && args.input !== "-" && sameFile(output, args.input)) throw usageError("-o names the input file", "write the results to another file");
  return {
    engine,
    pollSecs,
    format,
    output,
    concurrency: whole(args.concurrency, "--concurrency", 256) ?? 4,
    maxAttempts: whole(args["max-attempts"], "--max-attempts", 20) ?? 5,
    maxItems: whole(args["max-items"], "--max-items", 1e9),
    maxTotalTokens: whole(args["max-total-tokens"], "--max-total-tokens", 1e12),
    maxCostUsd: parseUsd(args["max-cost"]),
    graceMs: (whole(args.grace, "--grace", 3600, 0) ?? 30) * 1000,
    timeoutMs: parseTimeout(args.timeout),
    endpoint: parseEndpoint(args["endpoint-url"]),
    inference: parseInference({ maxTokens: args["max-tokens"], temperature: args.temperature, topP: args["top-p"], stop: repeated(rawArgs, "stop") }),
  };
}

type BatchFlags = ReturnType<typeof batchFlags>;

/** The prompts of IN (or stdin), and the default model when some line names none. */
async function readItems(args: BatchArgs, f: BatchFlags, settings: Settings): Promise<{ items: BatchItem[]; model?: ModelRef }> {
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
  const items = parseBatchInput(text, {
    defaultRegion: bareModel ? await resolveRegion(args.region, args.profile) : args.region,
    source,
    format: f.format,
    // attachment and schema paths in the input are relative to the input file
    baseDir: args.input === "-" ? process.cwd() : dirname(resolve(args.input)),
  });
  if (items.length === 0) throw usageError(`${source} has no prompts`, "one prompt a line, or one JSON object a line: {\"id\":\"a1\",\"prompt\":\"...\"}");
  const model = items.some((it) => !it.model) ? await chooseModel({ flag: args.model, region: args.region, profile: args.profile, settings }) : undefined;
  checkItemFeatures(items, { modelId: model?.modelId, inference: f.inference }, source);
  if (f.maxCostUsd !== undefined) requirePrices(items.map((it) => [it.model ?? model!, tierOf(it.features?.serviceTier)] as const));
  return { items, model };
}

const settingText = (settings: Settings, key: string) => (typeof settings[key] === "string" ? (settings[key] as string) : undefined);
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

async function batchCommand(args: BatchArgs, rawArgs: string[]) {
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  const f = batchFlags(args, rawArgs);
  // read once: the default model, the fallbacks, the key, the engine's bucket and role all come from these
  const settings = readSettings();
  const { items, model } = await readItems(args, f, settings);

  // everything that can be refused is checked before OUT is locked and repaired
  const fallbackFlags = repeated(rawArgs, "fallback");
  const fallbacks = chooseFallbacks({
    flags: fallbackFlags,
    setting: settingText(settings, "chat.fallbackModels"),
    defaultRegion: fallbackFlags.some((x) => !x.trim().startsWith("custom:")) ? await resolveRegion(args.region, args.profile) : undefined,
  });
  const cooldown = cooldownMs();
  const key = args.save ? loadKey({ settings }) : undefined;
  // the credentials are checked before OUT is created, repaired or compacted, so a run without them writes nothing
  const clients = batchClients({ items, model, profile: args.profile, endpoint: f.endpoint, timeoutMs: f.timeoutMs, pool: f.concurrency, debug: args.debug ? (l) => ui.debug(l) : undefined });
  const run = await openRunOutput(f.output, stdout, clients.checkCredentials);
  if (run.repaired) ui.info(`${f.output}: removed ${plural(run.repaired, "broken line")} (cut off by a crash, or a repeat)`);
  if (run.retrying) ui.info(`${f.output}: retrying ${plural(run.retrying, "item")} that failed before`);

  // --engine bedrock, or auto with a job's worth of items (or jobs of an earlier run to collect)
  let bedrock: import("./batch-bedrock.ts").BedrockRun | undefined;
  let todo = items;
  if (f.engine === "bedrock" || (f.engine === "auto" && (await wantsBedrock(items, run.out, resolve(f.output!))))) {
    bedrock = await onBedrock(args, f, { items, model, settings, run, ui });
    if (!bedrock.local.length) {
      await run.close();
      return bedrock.finish();
    }
    todo = bedrock.local;
    if (!args.quiet) ui.info(`running ${plural(todo.length, "item")} with the local engine`);
  }

  if (fallbacks.models.length) ui.debug(`fallbacks ${fallbacks.models.map((x) => x.model).join(", ")} (from ${fallbacks.source})`);
  const { summary, closeError } = await runLocally(ui, f, run, todo.length, (stop, stats) =>
    runBatch({
      items: todo,
      out: run.out,
      defaults: { model, system: args.system, inference: f.inference },
      concurrency: f.concurrency,
      maxAttempts: f.maxAttempts,
      maxItems: f.maxItems,
      maxTotalTokens: f.maxTotalTokens,
      maxCostUsd: f.maxCostUsd,
      timeoutMs: f.timeoutMs,
      clientFor: clients.clientFor,
      fallbacks: fallbacks.models,
      health: createHealth({ baseMs: cooldown }),
      debug: args.debug ? (l) => ui.debug(l) : undefined,
      onFallback: (target, failed) => ui.info(`${fallbackNote({ target: { model: target }, failed })}; later items may go there too`),
      save: args.save ? { dir: conversationsDir(), ...(key ? { key } : {}) } : undefined,
      stop,
      graceMs: f.graceMs,
      profile: args.profile,
      autoProfile: (args["auto-profile"] ?? settings["chat.autoProfile"] !== false)
        ? { profile: args.profile, timeoutMs: f.timeoutMs, debug: args.debug ? (l) => ui.debug(l) : undefined, onSwitch: switchedOnce(ui) }
        : undefined,
    }, stats));

  if (bedrock) {
    if (summary.fatal) throw summary.fatal;
    if (closeError) throw closeError;
    if (summary.stoppedBy === "signal") throw new ReduxError(ExitCode.interrupted, "interrupted: the items that finished were recorded", "run the same command again to do the rest");
    return bedrock.finish({ ok: summary.ok, failed: summary.failed });
  }
  reportLocal(ui, summary, fallbacks.models.length ? (model ? [model.model, ...fallbacks.models.map((x) => x.model)] : []) : undefined);
  if (summary.fatal) throw summary.fatal;
  if (closeError) throw closeError;
  throwOutcome(summary, f);
}

/** The Bedrock engine's part: a signal stops the waiting (the jobs keep running); OUT is closed when it fails. */
async function onBedrock(args: BatchArgs, f: BatchFlags, o: { items: BatchItem[]; model?: ModelRef; settings: Settings; run: RunOutput; ui: Ui }) {
  const { runBedrock } = await import("./batch-bedrock.ts");
  const stopWaiting = new AbortController();
  const stopListening = onInterrupt(() => {
    o.ui.warn("stopping: the jobs keep running on Bedrock; a re-run collects them");
    stopWaiting.abort();
  }, { quitOnSecond: false });
  try {
    return await runBedrock({
      items: o.items,
      out: o.run.out,
      outPath: resolve(f.output!),
      output: f.output!,
      defaults: { model: o.model, system: args.system, inference: f.inference },
      s3: args.s3 ?? settingText(o.settings, "batch.s3"),
      roleArn: args["role-arn"] ?? settingText(o.settings, "batch.roleArn"),
      profile: args.profile,
      timeoutMs: f.timeoutMs,
      pollIntervalMs: f.pollSecs * 1000,
      detach: Boolean(args.detach),
      localFallback: f.engine === "auto" || args["retry-failed"] === "local",
      retryFailedLocal: args["retry-failed"] === "local",
      stop: stopWaiting.signal,
      ui: o.ui,
    });
  } catch (e) {
    await o.run.close();
    throw e;
  } finally {
    stopListening();
  }
}

/** The summary line on stderr, and which target answered how many items when there are fallbacks. */
function reportLocal(ui: Ui, summary: BatchSummary, targets: string[] | undefined) {
  const secs = (summary.wallMs / 1000).toFixed(1);
  const line = `${summary.ok} ok, ${summary.failed} failed, ${summary.skipped} skipped (already ok)${summary.notRun ? `, ${summary.notRun} not run` : ""} · ${summary.usage.total_tokens} tokens · ${spend(summary)} · ${secs} s`;
  ui.outcome("batch", line, !(summary.failed || summary.notRun));
  if (targets) ui.line(`batch: answered by ${answeredBy(summary.answeredBy, targets)}`);
}

/** The exit code of a local run that was not stopped by a fatal error: 130 on a signal, 7 for a budget or failures. */
function throwOutcome(summary: BatchSummary, f: BatchFlags) {
  const { output } = f;
  if (summary.stoppedBy === "signal") throw new ReduxError(ExitCode.interrupted, "interrupted: the items that finished were recorded", output ? "run the same command again to do the rest" : undefined);
  if (summary.stoppedBy === "max-cost") {
    throw new ReduxError(ExitCode.partial, `stopped launching: one more item could pass --max-cost ${f.maxCostUsd} USD (spent ${spend(summary)}, ${summary.notRun} not run)`, output ? "run again (with a higher --max-cost, or tomorrow) to do the rest" : "write results with -o so a re-run can do the rest");
  }
  // a budget leaves items not run: exit 7 (not 0), so cron can tell "done" from "stopped early", even under -q
  if (summary.stoppedBy === "max-items" || summary.stoppedBy === "max-total-tokens") {
    const why = summary.stoppedBy === "max-items" ? `after --max-items ${f.maxItems}` : `the token budget (--max-total-tokens ${f.maxTotalTokens}) is spent`;
    const failed = summary.failed ? `, ${summary.failed} failed` : "";
    throw new ReduxError(
      ExitCode.partial,
      `stopped early: ${why}; ${summary.notRun} item${summary.notRun === 1 ? "" : "s"} not run${failed}`,
      output ? "run the same command again to continue (items already ok are skipped)" : "raise the budget, or write to -o OUT so that a re-run continues where this one stopped",
    );
  }
  if (summary.failed) throw new ReduxError(ExitCode.partial, `${summary.failed} item${summary.failed === 1 ? "" : "s"} failed`, output ? `run the same command again to retry them (${output} keeps the ok ones)` : "see the error field of their lines");
}

/** Runs the local engine with progress, the signal handler and a steady heap; OUT is closed (and unlocked) after. */
async function runLocally(ui: Ui, f: BatchFlags, run: RunOutput, total: number, go: (stop: AbortSignal, stats: BatchStats) => Promise<BatchSummary>) {
  const stop = new AbortController();
  const stopListening = onInterrupt(() => {
    ui.warn(`stopping: no new items; in-flight ones have ${f.graceMs / 1000} s to finish (signal again to quit now)`);
    stop.abort();
  }, { beforeQuit: () => run.release() });
  const stats = createStats(total);
  const progress = startProgress(ui, stats, f.maxItems);
  // JSC collects lazily, so the peak RSS of a long run grows with its length; a full collection every second keeps
  // it flat (the live heap is small: results go straight to OUT)
  const gc = setInterval(() => Bun.gc(true), 1000);
  gc.unref();
  let summary: BatchSummary;
  let closeError: unknown;
  try {
    summary = await go(stop.signal, stats);
  } finally {
    clearInterval(gc);
    progress.stop();
    try {
      await run.close();
    } catch (e) {
      closeError = e;
    }
    stopListening();
  }
  return { summary, closeError };
}

/** `custom:us-east-1:… 0, custom:us-west-2:… 1000`: every target of the default model (even with 0), then any other. */
function answeredBy(counts: Record<string, number>, targets: string[]): string {
  const keys = [...new Set([...targets, ...Object.keys(counts)])];
  return keys.map((k) => `${k} ${counts[k] ?? 0}`).join(", ");
}

function parseUsd(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/^\$/, ""));
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 1e9) throw usageError(`--max-cost must be an amount of USD above 0, like 2.50; got ${JSON.stringify(v)}`);
  return n;
}

/** --max-cost needs a price for every model (at every service tier) the run will call: an unknown price cannot be held to a budget. */
function requirePrices(calls: (readonly [ModelRef, Tier | null])[]) {
  const seen = new Set<string>();
  for (const [m, tier] of calls) {
    if (seen.has(`${tier} ${m.model}`)) continue;
    seen.add(`${tier} ${m.model}`);
    if (!tier || !priceFor(m.modelId, m.region, tier)) {
      throw usageError(`--max-cost: no price is known for ${m.model}${tier === "standard" ? "" : ` at the ${tier ?? "requested"} service tier`}`, "see `redux-chat prices`; `redux-chat prices --refresh` fetches AWS's current prices, or add the model to ~/.amazon-q/prices.json");
    }
  }
}

/** `$0.0123`, with `+ unknown` when some attempts had no known price. */
const spend = (s: BatchStats) => (s.unpriced ? (s.costUsd ? `${formatUsd(s.costUsd)} + unknown` : "cost unknown") : formatUsd(s.costUsd));

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
    const cols = () => ui.columns();
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
        spend(s),
        `×${s.concurrency || "-"}`,
      ];
      // one line that fits: a wrapped line could not be redrawn in place
      while (parts.length > 1 && visible(parts.join(" · ")) >= cols()) parts.pop();
      ui.redraw(parts.join(" · "));
    }, 200);
    return { stop: () => (clearInterval(t), ui.redraw("")) };
  }
  const t = setInterval(() => {
    const { done, rate, eta } = render();
    ui.line(`batch: ${done}/${todo()} done (${s.ok} ok, ${s.failed} failed) · ${rate.toFixed(1)}/s · ETA ${eta} · ${s.usage.total_tokens} tokens · ${spend(s)}`);
  }, 10_000);
  return { stop: () => clearInterval(t) };
}

/** One stderr line per model a batch switched to its inference profile (not one per item). */
function switchedOnce(ui: Ui) {
  const told = new Set<string>();
  return (from: { region: string; modelId: string }, profileId: string) => {
    const key = `${from.region}:${from.modelId}`;
    if (told.has(key)) return;
    told.add(key);
    ui.info(`${from.modelId} cannot be called on demand in ${from.region}; items go through the inference profile ${profileId} (next time: -m custom:${from.region}:${profileId})`);
  };
}
