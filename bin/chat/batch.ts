// redux-chat batch IN [-o OUT]: a file of prompts for cron. Every answer lands in OUT exactly once, across throttling,
// crashes and re-runs; progress goes to stderr (a bar on a terminal, periodic lines otherwise).
import { defineCommand } from "citty";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { awsArgs, inferenceArgs, modelArgs, outputArgs } from "../shared/args.ts";
import { repeated } from "../shared/cli.ts";
import { color, createUi, stderrIsTTY, type Ui } from "../shared/ui.ts";
import { ExitCode, ReduxError, usageError } from "../../lib/errors.ts";
import { parseBatchInput } from "../../lib/batch-input.ts";
import { openOutputFile, streamOutput, type BatchOutput } from "../../lib/batch-output.ts";
import { createStats, runBatch, type BatchStats, type BatchSummary } from "../../lib/batch.ts";
import { chooseModel } from "../../lib/model-choice.ts";
import { resolveRegion } from "../../lib/aws-profile.ts";
import { parseEndpoint, parseInference, parseTimeout } from "../../lib/inference.ts";
import { lockFile } from "../../lib/conversation-store.ts";
import { conversationsDir } from "../../lib/paths.ts";
import { loadKey } from "../../lib/envelope.ts";
import { readSettings } from "../../lib/settings.ts";
import { err, out as stdout } from "../shared/io.ts";

const positive = (v: string | undefined, flag: string, max: number) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw usageError(`${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  return n;
};

export default defineCommand({
  meta: { name: "batch", description: "Run a file of prompts (JSONL or one prompt a line); results as JSON lines" },
  args: {
    input: { type: "positional", required: true, description: "JSONL or plain-text prompt file, or - for stdin" },
    output: { type: "string", alias: "o", description: "results file (JSON lines); a re-run skips ids already ok. Default: stdout (no resume)", valueHint: "path" },
    concurrency: { type: "string", description: "requests in flight at most (default 4; lowered while Bedrock throttles)", valueHint: "n" },
    "max-attempts": { type: "string", description: "attempts per item for throttling and transient errors (default 5)", valueHint: "n" },
    "max-items": { type: "string", description: "launch at most this many items in this run", valueHint: "n" },
    "max-total-tokens": { type: "string", description: "stop launching items once this run has used this many tokens", valueHint: "n" },
    grace: { type: "string", description: "seconds in-flight items get to finish after SIGINT/SIGTERM (default 30)", valueHint: "seconds" },
    save: { type: "boolean", description: "also save each item as a conversation" },
    ...modelArgs,
    ...inferenceArgs,
    ...awsArgs,
    ...outputArgs,
  },
  async run({ args, rawArgs }) {
    const ui = createUi({ quiet: args.quiet || args.json, debug: args.debug });
    const concurrency = positive(args.concurrency, "--concurrency", 256) ?? 4;
    const maxAttempts = positive(args["max-attempts"], "--max-attempts", 20) ?? 5;
    const maxItems = positive(args["max-items"], "--max-items", 1e9);
    const maxTotalTokens = positive(args["max-total-tokens"], "--max-total-tokens", 1e12);
    const graceMs = (positive(args.grace, "--grace", 3600) ?? 30) * 1000;
    const timeoutMs = parseTimeout(args.timeout);
    const endpoint = parseEndpoint(args["endpoint-url"]);
    const inference = parseInference({ maxTokens: args["max-tokens"], temperature: args.temperature, topP: args["top-p"], stop: repeated(rawArgs, "stop") });

    const source = args.input === "-" ? "stdin" : args.input;
    let text: string;
    try {
      text = args.input === "-" ? await new Response(Bun.stdin.stream()).text() : readFileSync(args.input, "utf8");
    } catch (err) {
      throw usageError(`cannot read ${source}: ${(err as Error).message}`);
    }
    const items = parseBatchInput(text, { defaultRegion: resolveRegion(args.region, args.profile), source });
    if (items.length === 0) throw usageError(`${source} has no prompts`);
    const model = items.some((it) => !it.model) ? chooseModel({ flag: args.model, region: args.region, profile: args.profile }) : undefined;

    let release = () => {};
    let out: BatchOutput;
    if (args.output) {
      const path = resolve(args.output);
      release = lockFile(path, "batch output");
      try {
        const file = openOutputFile(path);
        if (file.dropped) ui.info(`${path}: dropped ${file.dropped} line${file.dropped === 1 ? "" : "s"} to retry (errors, or a line cut off by a crash)`);
        out = file;
      } catch (err) {
        release();
        throw err;
      }
    } else {
      out = streamOutput(stdout);
    }

    const settings = readSettings();
    const key = args.save ? loadKey({ settingFile: typeof settings["chat.encryptionKeyFile"] === "string" ? settings["chat.encryptionKeyFile"] : undefined }) : undefined;
    const { createBedrockClient } = await import("../../lib/bedrock.ts");
    const clients = new Map<string, Promise<BedrockRuntimeClient>>();
    const clientFor = (region: string) => {
      let c = clients.get(region);
      if (!c) clients.set(region, (c = createBedrockClient({ region, profile: args.profile, endpoint, timeoutMs, maxAttempts: 1, pool: concurrency, debug: args.debug ? (l) => ui.debug(l) : undefined })));
      return c;
    };

    const stop = new AbortController();
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(ExitCode.interrupted);
      ui.warn(`stopping: no new items; in-flight ones have ${graceMs / 1000} s to finish (signal again to quit now)`);
      stop.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    const stats = createStats(items.length);
    const progress = startProgress(ui, stats);
    let summary: BatchSummary;
    try {
      // fail fast, before any item, when there are no usable credentials
      if (!("AWS_BEARER_TOKEN_BEDROCK" in process.env)) {
        const region = model?.region ?? items[0]!.model!.region;
        const { translateAwsError } = await import("../../lib/errors.ts");
        await (await clientFor(region)).config.credentials().catch((err: unknown) => {
          throw translateAwsError(err, { region, profile: args.profile });
        });
      }
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
        save: args.save ? { dir: conversationsDir(), ...(key ? { key } : {}) } : undefined,
        stop: stop.signal,
        graceMs,
        profile: args.profile,
      }, stats);
    } finally {
      progress.stop();
      out.close();
      release();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }

    const secs = (summary.wallMs / 1000).toFixed(1);
    const line = `${summary.ok} ok, ${summary.failed} failed, ${summary.skipped} skipped (already ok)${summary.notRun ? `, ${summary.notRun} not run` : ""} · ${summary.usage.total_tokens} tokens · ${secs} s`;
    if (!args.quiet) err(`${summary.failed || summary.notRun ? color.yellow("batch:") : color.green("batch:")} ${line}\n`);
    if (summary.stoppedBy === "max-items") ui.warn(`stopped launching after --max-items ${maxItems}; run again to continue`);
    if (summary.stoppedBy === "max-total-tokens") ui.warn(`stopped launching: the token budget (--max-total-tokens ${maxTotalTokens}) is spent; run again to continue`);
    if (summary.fatal) throw summary.fatal;
    if (summary.stoppedBy === "signal") throw new ReduxError(ExitCode.interrupted, "interrupted: the items that finished were recorded", args.output ? "run the same command again to do the rest" : undefined);
    if (summary.failed) throw new ReduxError(ExitCode.partial, `${summary.failed} item${summary.failed === 1 ? "" : "s"} failed`, args.output ? `run the same command again to retry them (${args.output} keeps the ok ones)` : "see the error field of their lines");
  },
});

/** A bar with rate, ETA, counts and tokens on a terminal; a plain line every 10 s otherwise; nothing under --quiet. */
function startProgress(ui: Ui, s: BatchStats) {
  if (ui.quiet) return { stop() {} };
  const todo = () => s.total - s.skipped;
  const render = () => {
    const done = s.ok + s.failed;
    const secs = (Date.now() - s.startedAt) / 1000;
    const rate = done / Math.max(secs, 0.001);
    const eta = rate > 0 ? Math.round((todo() - done) / rate) : undefined;
    const pct = todo() ? done / todo() : 1;
    return { done, rate, eta, pct };
  };
  if (stderrIsTTY) {
    const t = setInterval(() => {
      const { done, rate, eta, pct } = render();
      const width = 24;
      const bar = "█".repeat(Math.round(pct * width)).padEnd(width, "░");
      err(`\r\u001B[2K${color.cyan(bar)} ${done}/${todo()} · ${rate.toFixed(1)}/s · ETA ${eta ?? "?"}s · ${color.green(`ok ${s.ok}`)} · ${s.failed ? color.red(`failed ${s.failed}`) : "failed 0"} · ${s.usage.total_tokens} tok · ×${s.concurrency || "-"}`);
    }, 200);
    return { stop: () => (clearInterval(t), err("\r\u001B[2K")) };
  }
  const t = setInterval(() => {
    const { done, rate, eta } = render();
    err(`batch: ${done}/${todo()} done (${s.ok} ok, ${s.failed} failed) · ${rate.toFixed(1)}/s · ETA ${eta ?? "?"} s · ${s.usage.total_tokens} tokens\n`);
  }, 10_000);
  return { stop: () => clearInterval(t) };
}
