// The Bedrock batch engine (`redux-chat batch --engine bedrock`): items become Converse records in S3, one model
// invocation job per ≤50,000 records, results come back from S3 into OUT in the local format. Exactly once across
// kill -9 at any point: the state file (job-state.ts) records each step before it happens, job creation is idempotent
// (clientRequestToken), a re-run attaches to the jobs recorded there, and a job is marked collected only after its
// lines in OUT are on disk (a re-run re-reads its results and skips ids already ok).
import { Readable } from "node:stream";
import type { BedrockClient, GetModelInvocationJobCommandOutput } from "@aws-sdk/client-bedrock";
import type { S3Client } from "@aws-sdk/client-s3";
import { ExitCode, ReduxError, isReduxError, translateAwsError, usageError } from "../errors.ts";
import { checkStructuredAnswer } from "../bedrock/structured-output.ts";
import { addUsage, emptyUsage, type Usage } from "../conversations/conversation.ts";
import { modelCost } from "../bedrock/prices.ts";
import type { DebugLog } from "../aws/credentials.ts";
import { createS3Client, getStream, lines, listKeys, parseS3Uri, s3Uri, uploadStream } from "../aws/s3.ts";
import { createControlPlaneClient } from "../bedrock/control-plane.ts";
import type { BatchItem } from "./input.ts";
import type { BatchOutput, BatchOutputLine } from "./output.ts";
import { JOB_MIN_RECORDS, planJobs, recordIdFor, recordLine, type BatchDefaults, type PlannedJob } from "./records.ts";
import { jobIdOf, newRunTag, openJobs, readState, statePathFor, writeState, type BatchState, type JobEntry } from "./job-state.ts";

const TERMINAL_STATES = new Set(["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"]);
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

export interface JobProgress {
  name: string;
  jobId?: string;
  status: string;
  total: number;
  processed: number;
  ok: number;
  failed: number;
}

export interface BedrockEngineOptions {
  items: BatchItem[];
  out: BatchOutput;
  /** OUT as an absolute path: the state file lives beside it. */
  outPath: string;
  defaults: BatchDefaults;
  s3?: string;
  roleArn?: string;
  profile?: string;
  timeoutMs: number;
  /** Longest wait between two polls (ms); polling starts faster and backs off to it. */
  pollIntervalMs: number;
  detach: boolean;
  /** Items that cannot make a job (fewer than its minimum) and failed records are handed back for the local engine. */
  localFallback: boolean;
  retryFailedLocal: boolean;
  /** Aborted on SIGINT/SIGTERM: stop waiting (the jobs keep running; a re-run collects them). */
  stop: AbortSignal;
  onProgress?(jobs: JobProgress[]): void;
  onEvent?(line: string): void;
  debug?: DebugLog;
}

export interface BedrockEngineResult {
  /** Jobs created by this run (name, id). */
  created: { name: string; jobId: string }[];
  /** Every job this run looked at, in their last known state. */
  jobs: JobEntry[];
  ok: number;
  failed: number;
  skipped: number;
  usage: Usage;
  /** Input and output tokens per model, from the collected results (for the batch-price cost). */
  tokensByModel: Map<string, { modelId: string; region: string; input: number; output: number }>;
  /** Items for the local engine: below a job's minimum, or failed records with retryFailedLocal. */
  local: BatchItem[];
  /** Records of collected jobs that came back with no result (a stopped, expired or failed job): a re-run resubmits them. */
  missing: number;
  detached: boolean;
  interrupted: boolean;
  /** The job-level outcome that decides the exit code (Failed 6, Expired 5, Stopped 130), if any. */
  outcome?: ReduxError;
}

interface Clients {
  control(region: string): Promise<BedrockClient>;
  s3(region: string): Promise<S3Client>;
}

function makeClients(o: BedrockEngineOptions): Clients {
  const cp = new Map<string, Promise<BedrockClient>>();
  const s3 = new Map<string, Promise<S3Client>>();
  return {
    control(region) {
      let c = cp.get(region);
      if (!c) cp.set(region, (c = createControlPlaneClient({ region, profile: o.profile, timeoutMs: o.timeoutMs, debug: o.debug })));
      return c;
    },
    s3(region) {
      let c = s3.get(region);
      if (!c) s3.set(region, (c = createS3Client({ region, profile: o.profile, timeoutMs: o.timeoutMs, debug: o.debug })));
      return c;
    },
  };
}

const s3Error = (what: string, err: unknown, region: string) => {
  const t = translateAwsError(err, { region, action: "s3:PutObject / s3:GetObject / s3:ListBucket" });
  const name = (err as { name?: string })?.name ?? "";
  const hint = name === "NoSuchBucket" ? "create the bucket (in the model's region) or fix --s3 / the setting batch.s3" : (t.hint ?? "check the bucket, its region and your S3 permissions");
  return new ReduxError(t.code === ExitCode.internal || t.code === ExitCode.rejected ? ExitCode.access : t.code, `${what}: ${t.message}`, hint, { cause: err });
};

const controlError = (what: string, err: unknown, region: string, action: string) => {
  const t = translateAwsError(err, { region, action });
  return new ReduxError(t.code, `${what}: ${t.message}`, t.hint, { cause: err });
};

/** Bedrock's per-record errorCode → our exit-code classes. */
function recordError(errorCode: unknown, message: string): { class: string; code: number; message: string } {
  const n = Number(errorCode);
  const code = n === 403 || n === 404 ? ExitCode.access : n === 408 || n === 429 || n >= 500 ? ExitCode.unavailable : ExitCode.rejected;
  const cls = code === ExitCode.access ? "access" : code === ExitCode.unavailable ? "unavailable" : "rejected";
  return { class: cls, code, message: `Bedrock batch record error ${errorCode ?? "?"}: ${message}` };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal.aborted) return r();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      r();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export async function runBedrockEngine(o: BedrockEngineOptions, clients: Clients = makeClients(o)): Promise<BedrockEngineResult> {
  const statePath = statePathFor(o.outPath);
  const result: BedrockEngineResult = { created: [], jobs: [], ok: 0, failed: 0, skipped: 0, usage: emptyUsage(), tokensByModel: new Map(), local: [], missing: 0, detached: false, interrupted: false };
  const earlier = readState(statePath);
  const state = planNewJobs(o, pendingItems(o, earlier, result), earlier, result);
  if (!state) return result;
  // 3. the state file, before anything else happens
  writeState(statePath, state);
  const save = () => writeState(statePath, state);
  await submitJobs(state, o, clients, save, result);
  const open = openJobs(state);
  result.jobs = state.jobs;
  if (o.detach) {
    result.detached = true;
    return result;
  }
  result.outcome = await waitAndCollect(open, o, clients, save, result);
  return result;
}

/** 1. What is left to do: not ok in OUT, not in a job recorded earlier. */
function pendingItems(o: BedrockEngineOptions, state: BatchState | undefined, result: BedrockEngineResult): BatchItem[] {
  const attached = new Set<string>();
  for (const j of state ? openJobs(state) : []) for (const id of Object.values(j.records)) attached.add(id);
  const pending: BatchItem[] = [];
  for (const it of o.items) {
    if (o.out.done.has(it.id)) result.skipped++;
    else if (!attached.has(it.id)) pending.push(it);
  }
  return pending;
}

/** 2. This run's jobs, added to the state as planned; everything Bedrock would refuse is refused here, before anything is written or uploaded. */
function planNewJobs(o: BedrockEngineOptions, pending: BatchItem[], state: BatchState | undefined, result: BedrockEngineResult): BatchState | undefined {
  const plan = planJobs(pending, o.defaults);
  if (plan.tooFew.length && !o.localFallback) {
    const n = plan.tooFew.length;
    throw usageError(
      `${n} item${n === 1 ? "" : "s"} left for ${plan.tooFew[0]!.model?.model ?? o.defaults.model?.model}: a Bedrock batch job needs at least ${JOB_MIN_RECORDS} records`,
      "run them with --engine local, or let --engine auto (or --retry-failed local) run what is below the minimum locally",
    );
  }
  result.local.push(...plan.tooFew);
  if (!plan.jobs.length) return state;
  if (!o.s3) throw usageError("--engine bedrock needs an S3 location for the records", "pass --s3 s3://BUCKET/PREFIX or set it once: redux-chat settings batch.s3 s3://BUCKET/PREFIX");
  if (!o.roleArn) throw usageError("--engine bedrock needs the service role Bedrock uses to read and write S3", "pass --role-arn arn:aws:iam::ACCOUNT:role/NAME or set it once: redux-chat settings batch.roleArn ARN");
  if (!ROLE_ARN.test(o.roleArn)) throw usageError(`--role-arn ${JSON.stringify(o.roleArn)} is not an IAM role ARN`, "e.g. arn:aws:iam::123456789012:role/BedrockBatch");
  const loc = parseS3Uri(o.s3);
  const next = state ?? { version: 1, engine: "bedrock-batch", output: o.outPath, s3: o.s3, roleArn: o.roleArn, jobs: [] };
  const tag = newRunTag();
  plan.jobs.forEach((p, i) => next.jobs.push(plannedJob(`${tag}-${i + 1}`, p, loc)));
  return next;
}

function plannedJob(name: string, p: PlannedJob, loc: { bucket: string; prefix: string }): JobEntry {
  const records: Record<string, string> = {};
  p.items.forEach((it, k) => (records[recordIdFor(k + 1)] = it.id));
  return {
    name,
    clientRequestToken: name,
    region: p.model.region,
    model: p.model.model,
    modelId: p.model.modelId,
    inputUri: s3Uri(loc.bucket, `${loc.prefix}${name}/input/records.jsonl`),
    outputUri: s3Uri(loc.bucket, `${loc.prefix}${name}/output/`),
    recordCount: p.items.length,
    records,
    phase: "planned",
    createdAt: new Date().toISOString(),
  };
}

/** 4. Uploads and creates what is not created yet (this run's jobs, or those a killed run left). */
async function submitJobs(state: BatchState, o: BedrockEngineOptions, clients: Clients, save: () => void, result: BedrockEngineResult) {
  const byId = new Map(o.items.map((it) => [it.id, it]));
  for (const j of state.jobs) {
    if (j.phase === "planned") {
      await uploadRecords(j, byId, o, clients);
      j.phase = "uploaded";
      save();
    }
    if (j.phase === "uploaded") {
      const arn = await createJob(j, await clients.control(j.region), state.roleArn);
      j.jobArn = arn;
      j.phase = "submitted";
      j.status = "Submitted";
      save();
      result.created.push({ name: j.name, jobId: jobIdOf(arn) });
      o.onEvent?.(`${j.name}: job ${jobIdOf(arn)} created (${j.recordCount} records, ${j.model})`);
    }
  }
}

async function uploadRecords(j: JobEntry, byId: Map<string, BatchItem>, o: BedrockEngineOptions, clients: Clients) {
  const entries = Object.entries(j.records);
  const { bucket, prefix: key } = parseS3Uri(j.inputUri, "input location");
  const keyName = key.replace(/\/$/, "");
  o.onEvent?.(`${j.name}: uploading ${entries.length} records to ${j.inputUri}`);
  const body = Readable.from(
    (function* () {
      for (const [recordId, id] of entries) {
        const item = byId.get(id);
        // an id that left the input since it was recorded is still sent: the mapping is what the job is
        if (item) yield recordLine(recordId, item, o.defaults);
      }
    })(),
  );
  try {
    await uploadStream(await clients.s3(j.region), bucket, keyName, body);
  } catch (err) {
    throw s3Error(`cannot upload the records to ${j.inputUri}`, err, j.region);
  }
}

/** 5. Waits, collecting each job as it ends; returns the job outcome that decides the exit code, if any. */
async function waitAndCollect(open: JobEntry[], o: BedrockEngineOptions, clients: Clients, save: () => void, result: BedrockEngineResult): Promise<ReduxError | undefined> {
  let delay = Math.min(2000, o.pollIntervalMs);
  const outcomes: ReduxError[] = [];
  for (;;) {
    let changed = false;
    for (const j of open) {
      if (j.phase !== "submitted") continue;
      if (await refreshJob(j, clients, o)) changed = true;
      if (TERMINAL_STATES.has(j.status!)) {
        await collect(j, clients, o, result);
        const outcome = outcomeOf(j);
        if (outcome) outcomes.push(outcome);
        changed = true;
      }
    }
    if (changed) save();
    o.onProgress?.(progressOf(open));
    if (open.every((j) => j.phase === "collected")) break;
    if (o.stop.aborted) {
      result.interrupted = true;
      break;
    }
    await sleep(delay, o.stop);
    delay = Math.min(o.pollIntervalMs, Math.round(delay * 1.5));
  }
  return outcomes.sort((a, b) => rank(b.code) - rank(a.code))[0];
}

/** Reads a job's state from Bedrock into its entry; true when its status changed. */
async function refreshJob(j: JobEntry, clients: Clients, o: BedrockEngineOptions): Promise<boolean> {
  let got: GetModelInvocationJobCommandOutput;
  try {
    const { GetModelInvocationJobCommand } = await import("../bedrock/control-plane-sdk.ts");
    got = await (await clients.control(j.region)).send(new GetModelInvocationJobCommand({ jobIdentifier: j.jobArn! }));
  } catch (err) {
    throw controlError(`cannot read the state of job ${jobIdOf(j.jobArn!)}`, err, j.region, "bedrock:GetModelInvocationJob");
  }
  const status = got.status ?? "Submitted";
  const changed = status !== j.status;
  if (changed) o.onEvent?.(`${j.name}: ${status}${got.message ? ` (${got.message})` : ""}`);
  j.status = status;
  if (got.message) j.message = got.message;
  j.counts = { processed: got.processedRecordCount ?? 0, ok: got.successRecordCount ?? 0, failed: got.errorRecordCount ?? 0 };
  return changed;
}

const progressOf = (open: JobEntry[]): JobProgress[] =>
  open.map((j) => ({ name: j.name, jobId: j.jobArn && jobIdOf(j.jobArn), status: j.status ?? "Submitted", total: j.recordCount, processed: j.counts?.processed ?? 0, ok: j.counts?.ok ?? 0, failed: j.counts?.failed ?? 0 }));

// which job outcome decides the exit code when several jobs end differently
const rank = (code: number) => (code === ExitCode.rejected ? 4 : code === ExitCode.unavailable ? 3 : code === ExitCode.interrupted ? 2 : 1);

/** The documented outcome of a job that did not complete: its exit code, message and what to do. */
function outcomeOf(j: JobEntry): ReduxError | undefined {
  const id = j.jobArn ? jobIdOf(j.jobArn) : j.name;
  const why = j.message ? `: ${j.message}` : "";
  switch (j.status) {
    case "Failed":
      return new ReduxError(ExitCode.rejected, `Bedrock batch job ${id} failed${why}`, "fix the cause above (service role, S3 access, model access), then run the same command again: it resubmits only what is missing");
    case "Expired":
      return new ReduxError(ExitCode.unavailable, `Bedrock batch job ${id} expired before it finished${why}`, "the records that finished are in OUT; run the same command again to resubmit the rest");
    case "Stopped":
      return new ReduxError(ExitCode.interrupted, `Bedrock batch job ${id} was stopped`, "the records that finished are in OUT; run the same command again to resubmit the rest");
    default:
      return undefined;
  }
}

async function createJob(j: JobEntry, client: BedrockClient, roleArn: string): Promise<string> {
  const { CreateModelInvocationJobCommand, ListModelInvocationJobsCommand } = await import("../bedrock/control-plane-sdk.ts");
  try {
    const r = await client.send(
      new CreateModelInvocationJobCommand({
        jobName: j.name,
        clientRequestToken: j.clientRequestToken,
        roleArn,
        modelId: j.modelId,
        modelInvocationType: "Converse",
        inputDataConfig: { s3InputDataConfig: { s3Uri: j.inputUri, s3InputFormat: "JSONL" } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: j.outputUri } },
      }),
    );
    return r.jobArn!;
  } catch (err) {
    // a name already taken is our own job when an earlier create went through without a token match
    if ((err as { name?: string }).name === "ConflictException") {
      const list = await client.send(new ListModelInvocationJobsCommand({ nameContains: j.name })).catch(() => undefined);
      const mine = list?.invocationJobSummaries?.find((s) => s.jobName === j.name);
      if (mine?.jobArn) return mine.jobArn;
    }
    throw controlError(`cannot create the Bedrock batch job for ${j.model}`, err, j.region, "bedrock:CreateModelInvocationJob (and iam:PassRole on the service role)");
  }
}

/** Reads a finished job's results from S3 into OUT (skipping ids already ok), then marks it collected. */
async function collect(j: JobEntry, clients: Clients, o: BedrockEngineOptions, result: BedrockEngineResult) {
  const jobId = jobIdOf(j.jobArn!);
  const out = parseS3Uri(j.outputUri, "output location");
  const prefix = `${out.prefix}${jobId}/`;
  const s3 = await clients.s3(j.region);
  let keys: string[];
  try {
    keys = await listKeys(s3, out.bucket, prefix);
  } catch (err) {
    throw s3Error(`cannot list the results in ${s3Uri(out.bucket, prefix)}`, err, j.region);
  }
  const seen = new Set<string>();
  const tokens = result.tokensByModel.get(j.model) ?? { modelId: j.modelId, region: j.region, input: 0, output: 0 };
  result.tokensByModel.set(j.model, tokens);
  const byId = new Map<string, BatchItem>();
  for (const it of o.items) byId.set(it.id, it);
  const c: Collecting = { j, jobId, o, result, tokens, byId };
  for (const key of keys.filter((k) => k.endsWith(".jsonl.out"))) {
    try {
      for await (const l of lines(await getStream(s3, out.bucket, key))) {
        if (!l.trim()) continue;
        let rec: ResultRecord;
        try {
          rec = JSON.parse(l);
        } catch {
          continue;
        }
        const id = rec.recordId !== undefined ? j.records[rec.recordId] : undefined;
        if (id === undefined || seen.has(id)) continue;
        seen.add(id);
        if (o.out.done.has(id)) continue;
        await collectRecord(rec, id, c);
      }
    } catch (err) {
      // OUT that cannot be written (a full disk) says so itself: only S3's own failures are about reading the results
      if (isReduxError(err) && err.code === ExitCode.io) throw err;
      throw s3Error(`cannot read the results in s3://${out.bucket}/${key}`, err, j.region);
    }
  }
  const manifestKey = keys.find((k) => k.endsWith("manifest.json.out"));
  if (manifestKey) await readManifest(j, s3, out.bucket, manifestKey, o);
  const missing = Object.values(j.records).filter((id) => !seen.has(id)).length;
  result.missing += missing;
  // the lines are on disk before the state says so: a crash in between re-reads the results, skipping ids already ok
  await o.out.sync?.();
  j.phase = "collected";
  j.collectedAt = new Date().toISOString();
}

type ResultRecord = { recordId?: string; modelOutput?: any; error?: { errorCode?: unknown; errorMessage?: string } };

interface Collecting {
  j: JobEntry;
  jobId: string;
  o: BedrockEngineOptions;
  result: BedrockEngineResult;
  tokens: { input: number; output: number };
  byId: Map<string, BatchItem>;
}

/** One result record into OUT: an ok line, an error line, or (with retryFailedLocal) an item handed back for the local engine. */
async function collectRecord(rec: ResultRecord, id: string, { j, jobId, o, result, tokens, byId }: Collecting) {
  const tail = { region: j.region, model_id: j.modelId, engine: "bedrock-batch" as const, job_id: jobId };
  const mo = rec.modelOutput;
  if (rec.error || !mo) {
    if (o.retryFailedLocal && byId.has(id)) {
      result.local.push(byId.get(id)!);
      return;
    }
    o.out.write({ id, status: "error", text: "", usage: emptyUsage(), cost: modelCost(j.model, emptyUsage(), "batch"), latency_ms: 0, attempts: 1, model: j.model, error: recordError(rec.error?.errorCode, rec.error?.errorMessage ?? "no output for this record"), ...tail });
    result.failed++;
    return;
  }
  const u = mo.usage ?? {};
  const usage: Usage = { input_tokens: u.inputTokens ?? 0, output_tokens: u.outputTokens ?? 0, total_tokens: u.totalTokens ?? (u.inputTokens ?? 0) + (u.outputTokens ?? 0) };
  tokens.input += usage.input_tokens;
  tokens.output += usage.output_tokens;
  result.usage = addUsage(result.usage, usage);
  const text = ((mo.output?.message?.content ?? []) as { text?: string }[]).map((b) => b.text ?? "").join("");
  // json_schema: an answer that does not follow it is a rejected item, as in the local runner
  const schema = byId.get(id)?.features?.jsonSchema;
  if (schema) {
    try {
      await checkStructuredAnswer(text, schema.schema);
    } catch (err) {
      if (!isReduxError(err)) throw err;
      if (o.retryFailedLocal) {
        result.local.push(byId.get(id)!);
        return;
      }
      o.out.write({ id, status: "error", text, usage, cost: modelCost(j.model, usage, "batch"), latency_ms: 0, attempts: 1, model: j.model, ...(mo.stopReason ? { stop_reason: mo.stopReason } : {}), error: { class: err.errorClass, code: err.code, message: err.message }, ...tail });
      result.failed++;
      return;
    }
  }
  // priced at the batch tier, as AWS bills a batch job (the table holds the batch rates it read, never half of on-demand)
  const line: BatchOutputLine = { id, status: "ok", text, usage, cost: modelCost(j.model, usage, "batch"), latency_ms: 0, attempts: 1, model: j.model, ...(mo.stopReason ? { stop_reason: mo.stopReason } : {}), ...tail };
  o.out.write(line);
  o.out.done.add(id);
  result.ok++;
}

/** The manifest: the service's own counts and token totals (kept in the state file, shown by status). */
async function readManifest(j: JobEntry, s3: S3Client, bucket: string, manifestKey: string, o: BedrockEngineOptions) {
  try {
    let text = "";
    for await (const l of lines(await getStream(s3, bucket, manifestKey))) text += l;
    const m = JSON.parse(text) as Record<string, unknown>;
    j.manifest = Object.fromEntries(
      ["totalRecordCount", "processedRecordCount", "successRecordCount", "errorRecordCount", "inputTokenCount", "outputTokenCount"].filter((k) => Number.isInteger(m[k]) && (m[k] as number) >= 0).map((k) => [k, m[k] as number]),
    );
  } catch (err) {
    // the records are what count; a manifest that cannot be read is only reported
    o.onEvent?.(`${j.name}: cannot read ${manifestKey}: ${(err as Error).message}`);
  }
}
