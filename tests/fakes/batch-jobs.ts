// The loopback Bedrock control plane for batch inference (model invocation jobs), wired into fake-aws.ts. It behaves
// like the service on the points redux depends on: CreateModelInvocationJob validates its input and is idempotent on
// clientRequestToken; a job really reads its JSONL records from the S3 the tests run (s3rver), moves through
// Submitted → Validating → Scheduled → InProgress (counts rising) → Completed / PartiallyCompleted / Failed / Expired,
// or Stopping → Stopped after StopModelInvocationJob; each record goes through the fake model, and the results are
// written back to S3 as `{output}/{jobId}/{input file}.out` (records in shuffled order) and `manifest.json.out`.
// Injected failures:
//   a record whose prompt contains `fail-record` → error line (400 ValidationException); `throttle-record` → 429
//   a model id containing `job-fail` → the job fails while validating; `job-expire` → expires half-way;
//   `job-stall` → stays InProgress until stopped
//   `holdCreate`: "before" never answers CreateModelInvocationJob and makes no job; "after" makes the job, never answers
import { randomBytes } from "node:crypto";
import type http from "node:http";

export interface FakeModelAnswer {
  text: string;
  stopReason: string;
  input: number;
}

export interface FakeJob {
  jobArn: string;
  jobId: string;
  jobName: string;
  region: string;
  modelId: string;
  roleArn: string;
  clientRequestToken?: string;
  inputUri: string;
  outputUri: string;
  modelInvocationType: string;
  timeoutDurationInHours: number;
  status: string;
  message?: string;
  submitTime: Date;
  lastModifiedTime: Date;
  endTime?: Date;
  totalRecordCount?: number;
  processedRecordCount?: number;
  successRecordCount?: number;
  errorRecordCount?: number;
  stopRequested: boolean;
}

export interface BatchJobsFake {
  jobs: Map<string, FakeJob>;
  /** Where the jobs read and write S3 (an s3rver URL; path-style, credentials S3RVER/S3RVER). */
  s3Endpoint?: string;
  /** Time between job state changes (ms). */
  stepMs: number;
  /** InProgress lasts this many steps; the records are processed evenly across them. */
  progressSteps: number;
  holdCreate?: "before" | "after";
  reset(): void;
}

type Res = http.ServerResponse;
/** Verifies SigV4 (signing name bedrock) and records the request; null when it already answered an error. */
type Authenticate = (operation: string, body: unknown) => Promise<{ region?: string; rec(status: number): void } | null>;

export interface BatchJobsDeps {
  account: string;
  answerFor(body: unknown): FakeModelAnswer;
  json(res: Res, status: number, body: unknown): void;
  error(res: Res, status: number, name: string, message: string): void;
  hold(res: Res): void;
}

const JOB_NAME = /^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$/;
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
const TERMINAL = new Set(["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"]);

const parseS3 = (uri: string) => {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
};

export function createBatchJobs(deps: BatchJobsDeps) {
  const byToken = new Map<string, string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const fake: BatchJobsFake = {
    jobs: new Map(),
    stepMs: 40,
    progressSteps: 4,
    reset() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      fake.jobs.clear();
      byToken.clear();
      fake.holdCreate = undefined;
      fake.stepMs = 40;
      fake.progressSteps = 4;
    },
  };
  let s3Client: Promise<import("@aws-sdk/client-s3").S3Client> | undefined;
  const s3 = () =>
    (s3Client ??= import("@aws-sdk/client-s3").then(
      ({ S3Client }) => new S3Client({ region: "us-east-1", endpoint: fake.s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } }),
    ));
  const later = (ms: number, f: () => void | Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      void Promise.resolve(f()).catch((e) => fail(undefined, `internal: ${(e as Error).message}`));
    }, ms);
    timers.add(t);
  };
  const touch = (j: FakeJob, status: string, message?: string) => {
    j.status = status;
    j.lastModifiedTime = new Date();
    if (message) j.message = message;
    if (TERMINAL.has(status)) j.endTime = new Date();
  };
  const fail = (j: FakeJob | undefined, message: string) => {
    if (j && !TERMINAL.has(j.status)) touch(j, "Failed", message);
  };

  async function readInput(j: FakeJob): Promise<{ name: string; lines: string[] }[]> {
    const { ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
    const client = await s3();
    const loc = parseS3(j.inputUri)!;
    let keys: string[];
    if (loc.key && !loc.key.endsWith("/")) keys = [loc.key];
    else {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.key }));
      keys = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith(".jsonl"));
    }
    const files = [];
    for (const key of keys) {
      const got = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: key }));
      const text = await got.Body!.transformToString();
      files.push({ name: key.split("/").pop()!, lines: text.split("\n").filter((l) => l.trim()) });
    }
    return files;
  }

  async function run(j: FakeJob) {
    await new Promise<void>((r) => later(fake.stepMs, r));
    if (j.stopRequested) return stop(j, []);
    touch(j, "Validating");
    let files: { name: string; lines: string[] }[];
    try {
      files = await readInput(j);
    } catch (e) {
      return fail(j, `Unable to read the input data at ${j.inputUri}: ${(e as Error).name}`);
    }
    const records: { file: string; recordId: string; modelInput: any }[] = [];
    for (const f of files) {
      for (const l of f.lines) {
        let v: any;
        try {
          v = JSON.parse(l);
        } catch {
          return fail(j, `Invalid JSON in ${f.name}`);
        }
        if (typeof v?.recordId !== "string" || typeof v?.modelInput !== "object") return fail(j, `Invalid record in ${f.name}: recordId and modelInput are required`);
        records.push({ file: f.name, recordId: v.recordId, modelInput: v.modelInput });
      }
    }
    j.totalRecordCount = records.length;
    await new Promise<void>((r) => later(fake.stepMs, r));
    if (j.modelId.includes("job-fail")) return fail(j, "Validation failed: the service role cannot read the input (injected)");
    if (records.length < 100) return fail(j, `Validation failed: the job has ${records.length} records, fewer than the minimum of 100`);
    if (j.stopRequested) return stop(j, []);
    touch(j, "Scheduled");
    await new Promise<void>((r) => later(fake.stepMs, r));
    if (j.stopRequested) return stop(j, []);
    touch(j, "InProgress");
    j.processedRecordCount = 0;
    j.successRecordCount = 0;
    j.errorRecordCount = 0;
    const done: { file: string; line: string }[] = [];
    const tokens = { input: 0, output: 0 };
    const per = Math.max(1, Math.ceil(records.length / fake.progressSteps));
    const expireAt = j.modelId.includes("job-expire") ? Math.floor(records.length / 2) : Infinity;
    for (let i = 0; i < records.length; ) {
      await new Promise<void>((r) => later(fake.stepMs, r));
      if (j.stopRequested) return stop(j, done, tokens);
      if (j.modelId.includes("job-stall")) continue;
      const end = Math.min(records.length, i + per, expireAt);
      for (; i < end; i++) done.push(process1(j, records[i]!, tokens));
      if (i >= expireAt) {
        await writeOutput(j, done, tokens);
        return touch(j, "Expired", `The job did not finish within its timeout of ${j.timeoutDurationInHours} hours`);
      }
    }
    await writeOutput(j, done, tokens);
    touch(j, j.errorRecordCount ? "PartiallyCompleted" : "Completed");
  }

  function process1(j: FakeJob, r: { file: string; recordId: string; modelInput: any }, tokens: { input: number; output: number }) {
    j.processedRecordCount!++;
    const prompt = JSON.stringify(r.modelInput?.messages ?? "");
    let line: object;
    if (prompt.includes("fail-record") || prompt.includes("throttle-record")) {
      j.errorRecordCount!++;
      const throttled = prompt.includes("throttle-record");
      line = { recordId: r.recordId, modelInput: r.modelInput, error: { errorCode: throttled ? 429 : 400, errorMessage: throttled ? "ThrottlingException: Too many requests" : "ValidationException: The model rejected the record (injected)" } };
    } else {
      j.successRecordCount!++;
      const a = deps.answerFor(r.modelInput);
      const out = a.text.split(/\s+/).filter(Boolean).length;
      tokens.input += a.input;
      tokens.output += out;
      line = {
        recordId: r.recordId,
        modelInput: r.modelInput,
        modelOutput: { output: { message: { role: "assistant", content: [{ text: a.text }] } }, stopReason: a.stopReason, usage: { inputTokens: a.input, outputTokens: out, totalTokens: a.input + out }, metrics: { latencyMs: 1 } },
      };
    }
    return { file: r.file, line: JSON.stringify(line) };
  }

  async function writeOutput(j: FakeJob, done: { file: string; line: string }[], tokens = { input: 0, output: 0 }) {
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    const client = await s3();
    const out = parseS3(j.outputUri)!;
    const base = `${out.key.replace(/\/?$/, "/")}${j.jobId}/`.replace(/^\//, "");
    // the service writes the records in no particular order
    const shuffled = [...done];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const k = Math.floor(Math.random() * (i + 1));
      [shuffled[i], shuffled[k]] = [shuffled[k]!, shuffled[i]!];
    }
    const byFile = new Map<string, string[]>();
    for (const d of shuffled) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d.line]);
    for (const [file, lines] of byFile) {
      await client.send(new PutObjectCommand({ Bucket: out.bucket, Key: `${base}${file}.out`, Body: `${lines.join("\n")}\n` }));
    }
    const manifest = {
      totalRecordCount: j.totalRecordCount ?? 0,
      processedRecordCount: j.processedRecordCount ?? 0,
      successRecordCount: j.successRecordCount ?? 0,
      errorRecordCount: j.errorRecordCount ?? 0,
      inputTokenCount: tokens.input,
      outputTokenCount: tokens.output,
    };
    await client.send(new PutObjectCommand({ Bucket: out.bucket, Key: `${base}manifest.json.out`, Body: JSON.stringify(manifest) }));
  }

  async function stop(j: FakeJob, done: { file: string; line: string }[], tokens?: { input: number; output: number }) {
    touch(j, "Stopping");
    await new Promise<void>((r) => later(fake.stepMs, r));
    if (done.length) await writeOutput(j, done, tokens);
    touch(j, "Stopped");
  }

  const view = (j: FakeJob) => ({
    jobArn: j.jobArn,
    jobName: j.jobName,
    modelId: j.modelId,
    clientRequestToken: j.clientRequestToken,
    roleArn: j.roleArn,
    status: j.status,
    ...(j.message ? { message: j.message } : {}),
    submitTime: j.submitTime.toISOString(),
    lastModifiedTime: j.lastModifiedTime.toISOString(),
    ...(j.endTime ? { endTime: j.endTime.toISOString() } : {}),
    inputDataConfig: { s3InputDataConfig: { s3Uri: j.inputUri, s3InputFormat: "JSONL" } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: j.outputUri } },
    timeoutDurationInHours: j.timeoutDurationInHours,
    modelInvocationType: j.modelInvocationType,
    ...(j.totalRecordCount !== undefined ? { totalRecordCount: j.totalRecordCount } : {}),
    ...(j.processedRecordCount !== undefined ? { processedRecordCount: j.processedRecordCount, successRecordCount: j.successRecordCount, errorRecordCount: j.errorRecordCount } : {}),
  });

  const find = (idOrArn: string) => fake.jobs.get(decodeURIComponent(idOrArn).split("/").pop()!);

  /** Handles /model-invocation-job[s]...; returns false when the path is not the control plane's. */
  async function handle(method: string, path: string, body: Buffer, res: Res, authenticate: Authenticate): Promise<boolean> {
    const create = method === "POST" && path === "/model-invocation-job";
    const get = method === "GET" ? /^\/model-invocation-job\/([^/]+)$/.exec(path) : null;
    const stopM = method === "POST" ? /^\/model-invocation-job\/([^/]+)\/stop$/.exec(path) : null;
    const list = method === "GET" && path === "/model-invocation-jobs";
    if (!create && !get && !stopM && !list) return false;
    let parsed: any = {};
    try {
      parsed = body.length ? JSON.parse(body.toString("utf8")) : {};
    } catch {
      parsed = undefined;
    }
    const operation = create ? "CreateModelInvocationJob" : get ? "GetModelInvocationJob" : stopM ? "StopModelInvocationJob" : "ListModelInvocationJobs";
    const who = await authenticate(operation, parsed);
    if (!who) return true;
    const bad = (msg: string) => {
      who.rec(400);
      deps.error(res, 400, "ValidationException", msg);
      return true;
    };
    if (parsed === undefined) return bad("the request body is not JSON");
    if (get || stopM) {
      const j = find((get ?? stopM)![1]!);
      if (!j) {
        who.rec(404);
        deps.error(res, 404, "ResourceNotFoundException", "The specified job was not found");
        return true;
      }
      if (stopM) {
        if (TERMINAL.has(j.status) || j.status === "Stopping") {
          who.rec(400);
          deps.error(res, 400, "ValidationException", `The job is already ${j.status} and cannot be stopped`);
          return true;
        }
        j.stopRequested = true;
        touch(j, "Stopping");
        who.rec(200);
        deps.json(res, 200, {});
        return true;
      }
      who.rec(200);
      deps.json(res, 200, view(j));
      return true;
    }
    if (list) {
      who.rec(200);
      deps.json(res, 200, { invocationJobSummaries: [...fake.jobs.values()].map(view) });
      return true;
    }
    // CreateModelInvocationJob
    const p = parsed;
    if (typeof p.jobName !== "string" || !JOB_NAME.test(p.jobName)) return bad(`jobName ${JSON.stringify(p.jobName)} does not match the pattern`);
    if (typeof p.roleArn !== "string" || !ROLE_ARN.test(p.roleArn)) return bad("roleArn is not an IAM role ARN");
    if (typeof p.modelId !== "string" || !p.modelId) return bad("modelId is required");
    const inputUri = p.inputDataConfig?.s3InputDataConfig?.s3Uri;
    const outputUri = p.outputDataConfig?.s3OutputDataConfig?.s3Uri;
    if (typeof inputUri !== "string" || !parseS3(inputUri)) return bad("inputDataConfig.s3InputDataConfig.s3Uri must be an s3:// URI");
    if (typeof outputUri !== "string" || !parseS3(outputUri)) return bad("outputDataConfig.s3OutputDataConfig.s3Uri must be an s3:// URI");
    const hours = p.timeoutDurationInHours ?? 168;
    if (!Number.isInteger(hours) || hours < 24 || hours > 168) return bad("timeoutDurationInHours must be from 24 to 168");
    if (p.modelInvocationType !== undefined && !["InvokeModel", "Converse"].includes(p.modelInvocationType)) return bad("modelInvocationType must be InvokeModel or Converse");
    if (p.clientRequestToken !== undefined && (typeof p.clientRequestToken !== "string" || !/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(p.clientRequestToken) || p.clientRequestToken.length > 256)) {
      return bad("clientRequestToken does not match the pattern");
    }
    const known = p.clientRequestToken ? byToken.get(p.clientRequestToken) : undefined;
    if (known) {
      who.rec(200);
      deps.json(res, 200, { jobArn: known });
      return true;
    }
    if ([...fake.jobs.values()].some((j) => j.jobName === p.jobName)) {
      who.rec(400);
      deps.error(res, 400, "ConflictException", `A job named ${p.jobName} already exists`);
      return true;
    }
    if (fake.holdCreate === "before") {
      who.rec(0);
      deps.hold(res);
      return true;
    }
    const region = who.region ?? "us-east-1";
    const jobId = randomBytes(6).toString("hex");
    const now = new Date();
    const j: FakeJob = {
      jobArn: `arn:aws:bedrock:${region}:${deps.account}:model-invocation-job/${jobId}`,
      jobId,
      jobName: p.jobName,
      region,
      modelId: p.modelId,
      roleArn: p.roleArn,
      clientRequestToken: p.clientRequestToken,
      inputUri,
      outputUri,
      modelInvocationType: p.modelInvocationType ?? "InvokeModel",
      timeoutDurationInHours: hours,
      status: "Submitted",
      submitTime: now,
      lastModifiedTime: now,
      stopRequested: false,
    };
    fake.jobs.set(jobId, j);
    if (p.clientRequestToken) byToken.set(p.clientRequestToken, j.jobArn);
    void run(j).catch((e) => fail(j, `internal: ${(e as Error).message}`));
    if (fake.holdCreate === "after") {
      who.rec(0);
      deps.hold(res);
      return true;
    }
    who.rec(200);
    deps.json(res, 200, { jobArn: j.jobArn });
    return true;
  }

  return { fake, handle };
}
