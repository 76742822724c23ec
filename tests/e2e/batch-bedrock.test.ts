// redux-chat batch --engine bedrock end to end: the compiled binary against the loopback Bedrock (runtime and the
// control plane's model invocation jobs, tests/fakes/batch-jobs.ts) and a real S3-compatible server (s3rver), with
// injected record and job failures, detached runs, cancel, and kill -9 at each step.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { startS3, type FakeS3 } from "../fakes/s3.ts";
import { bin, run, withFakeAws } from "./harness.ts";
import { readBatchOut, writeIn } from "../helpers/batch-files.ts";
import { assertValid } from "../schema.ts";

const MODEL = "custom:us-east-1:fake.batch";
const ROLE = "arn:aws:iam::123456789012:role/BedrockBatch";
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
let s3: FakeS3;
withFakeAws((ctx) => {
  ({ fake, home } = ctx);
  env = { ...ctx.env, AWS_ENDPOINT_URL_BEDROCK: ctx.fake.url, AWS_ENDPOINT_URL_S3: s3.url };
  ctx.fake.batchJobs.s3Endpoint = s3.url;
});
beforeAll(async () => {
  s3 = await startS3({ buckets: ["redux-batch"] });
});
afterAll(() => s3.close());

const flags = (model = MODEL) => ["-m", model, "--engine", "bedrock", "--s3", "s3://redux-batch/nightly", "--role-arn", ROLE, "--poll-interval", "0.1"];
const batch = (args: string[], o: { env?: Record<string, string> } = {}) => run(bin("redux-chat"), ["batch", ...args], { env: o.env ?? env, timeoutMs: 60_000 });
const spawnBatch = (args: string[]) => Bun.spawn([bin("redux-chat"), "batch", ...args], { env, stdout: "ignore", stderr: "ignore" });
const items = (n: number, f: (i: number) => string = (i) => `question ${i}`) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `q-${i}`, prompt: f(i) })).join("\n") + "\n";
const write = (name: string, text: string) => writeIn(home, name, text);
const readOut = readBatchOut;
/** Every id of 0..n-1 exactly once. */
const expectEachOnce = (lines: { id: string }[], n: number) => {
  expect(lines.length).toBe(n);
  expect(new Set(lines.map((l) => l.id)).size).toBe(n);
  for (let i = 0; i < n; i++) expect(lines.some((l) => l.id === `q-${i}`)).toBe(true);
};
const creates = () => fake.requests.filter((r) => r.operation === "CreateModelInvocationJob");
const state = (out: string) => {
  const v = JSON.parse(readFileSync(`${out}.bedrock.json`, "utf8"));
  assertValid("batch-state.schema.json", v);
  return v;
};
const waitFor = async (cond: () => boolean, what: string, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
};
const s3Get = async (key: string) => (await fetch(`${s3.url}/redux-batch/${key}`)).text();

describe("batch --engine bedrock", () => {
  test("Converse records in S3, one job, results in the local format; record errors are error lines (exit 7)", async () => {
    const input = write("in.jsonl", items(250, (i) => (i % 50 === 7 ? `question ${i} fail-record` : `question ${i}`)));
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, ...flags(), "--max-tokens", "50", "-s", "be brief"]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/InProgress/);
    expect(r.stderr).toContain("245 ok, 5 failed, 0 skipped");
    expect(r.stderr).toMatch(/^error: 5 items failed/m);
    const lines = readOut(out);
    expectEachOnce(lines, 250);
    const st = state(out);
    expect(statSync(`${out}.bedrock.json`).mode & 0o777).toBe(0o600);
    expect(st.jobs).toHaveLength(1);
    const job = st.jobs[0];
    expect(job).toMatchObject({ phase: "collected", status: "PartiallyCompleted", recordCount: 250, region: "us-east-1", modelId: "fake.batch" });
    expect(job.manifest).toMatchObject({ totalRecordCount: 250, processedRecordCount: 250, successRecordCount: 245, errorRecordCount: 5 });
    expect(job.manifest.inputTokenCount).toBeGreaterThan(0);
    const jobId = job.jobArn.split("/").pop();
    const ok = lines.find((l) => l.id === "q-3");
    expect(ok).toMatchObject({ status: "ok", text: "[system: be brief] Echo: question 3", engine: "bedrock-batch", job_id: jobId, model: MODEL, region: "us-east-1", model_id: "fake.batch", stop_reason: "end_turn" });
    expect(ok.usage.total_tokens).toBeGreaterThan(0);
    expect(lines.find((l) => l.id === "q-57")).toMatchObject({ status: "error", engine: "bedrock-batch", error: { class: "rejected", code: 6 } });
    expect(lines.find((l) => l.id === "q-57").error.message).toContain("400");
    // the create: Converse records, an idempotency token, the S3 locations under the prefix
    expect(creates()).toHaveLength(1);
    const body = creates()[0]!.body;
    expect(body).toMatchObject({ modelInvocationType: "Converse", modelId: "fake.batch", roleArn: ROLE, clientRequestToken: job.clientRequestToken });
    expect(body.inputDataConfig.s3InputDataConfig.s3Uri).toBe(job.inputUri);
    expect(job.inputUri).toStartWith("s3://redux-batch/nightly/");
    // the records as uploaded: alphanumeric ids mapped in the state file, Converse bodies
    const uploaded = (await s3Get(job.inputUri.replace("s3://redux-batch/", ""))).trim().split("\n").map((l) => JSON.parse(l));
    expect(uploaded).toHaveLength(250);
    for (const rec of uploaded) expect(rec.recordId).toMatch(/^[A-Za-z0-9]+$/);
    const first = uploaded.find((rec) => job.records[rec.recordId] === "q-0");
    expect(first.modelInput).toEqual({ messages: [{ role: "user", content: [{ text: "question 0" }] }], system: [{ text: "be brief" }], inferenceConfig: { maxTokens: 50 } });
    expect(Object.keys(job.records)).toHaveLength(250);
  });

  test("a re-run resubmits nothing that is ok; --retry-failed local runs the failed records here", async () => {
    const input = write("in.jsonl", items(200, (i) => (i < 3 ? `question ${i} fail-record` : `question ${i}`)));
    const out = join(home, "out.jsonl");
    expect((await batch([input, "-o", out, ...flags()])).code).toBe(7);
    // three left: fewer than a job's minimum, refused with a hint
    const again = await batch([input, "-o", out, ...flags()]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/3 items left .* at least 100 records/);
    expect(again.stderr).toMatch(/--engine local/);
    fake.reset();
    const local = await batch([input, "-o", out, ...flags(), "--retry-failed", "local"]);
    expect(local.code).toBe(0);
    expect(creates()).toHaveLength(0);
    expect(fake.requests.filter((r) => r.operation === "ConverseStream")).toHaveLength(3);
    const lines = readOut(out);
    expectEachOnce(lines, 200);
    expect(lines.every((l) => l.status === "ok")).toBe(true);
    expect(lines.find((l) => l.id === "q-1").engine).toBeUndefined();
  });

  test("--retry-failed local in the same run: failed records never reach OUT as errors", async () => {
    const input = write("in.jsonl", items(120, (i) => (i % 40 === 0 ? `question ${i} throttle-record` : `question ${i}`)));
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, ...flags(), "--retry-failed", "local"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("120 ok, 0 failed");
    expect(r.stderr).toContain("3 ran locally");
    expectEachOnce(readOut(out), 120);
  });

  test("items for two models make two jobs; settings batch.s3 and batch.roleArn stand in for the flags", async () => {
    for (const [k, v] of [["batch.s3", "s3://redux-batch/from-settings"], ["batch.roleArn", ROLE]]) expect((await run(bin("redux-chat"), ["settings", k!, v!], { env })).code).toBe(0);
    const text = Array.from({ length: 260 }, (_, i) => JSON.stringify({ id: `q-${i}`, prompt: `p ${i}`, ...(i >= 130 ? { model: "custom:us-east-1:fake.other" } : {}) })).join("\n");
    const input = write("in.jsonl", text);
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, "-m", MODEL, "--engine", "bedrock", "--poll-interval", "0.1"]);
    expect(r.code).toBe(0);
    expect(creates().map((c) => c.body.modelId).sort()).toEqual(["fake.batch", "fake.other"]);
    expect(creates().every((c) => c.body.inputDataConfig.s3InputDataConfig.s3Uri.startsWith("s3://redux-batch/from-settings/"))).toBe(true);
    const lines = readOut(out);
    expectEachOnce(lines, 260);
    expect(lines.find((l) => l.id === "q-200").model).toBe("custom:us-east-1:fake.other");
    expect(new Set(lines.map((l) => l.job_id)).size).toBe(2);
  });

  test("what Bedrock would refuse is refused before anything is uploaded (exit 2)", async () => {
    const out = join(home, "out.jsonl");
    const few = await batch([write("few.jsonl", items(99)), "-o", out, ...flags()]);
    expect(few.code).toBe(2);
    expect(few.stderr).toMatch(/99 items left .* at least 100 records/);
    const big = await batch([write("big.jsonl", items(150, (i) => (i === 9 ? "x".repeat(1_100_000) : `q ${i}`))), "-o", out, ...flags()]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/item "q-9" \(line 10\) makes a record of \d+ bytes/);
    const embed = await batch([write("e.jsonl", items(150)), "-o", out, ...flags("custom:us-east-1:amazon.titan-embed-text-v2:0")]);
    expect(embed.code).toBe(2);
    expect(embed.stderr).toMatch(/cannot run a Converse batch job/);
    const noS3 = await batch([write("n.jsonl", items(150)), "-o", out, "-m", MODEL, "--engine", "bedrock", "--role-arn", ROLE]);
    expect(noS3.code).toBe(2);
    expect(noS3.stderr).toMatch(/needs an S3 location/);
    const badS3 = await batch([write("n.jsonl", items(150)), "-o", out, ...flags(), "--s3", "s3://Bad_Bucket/x"]);
    expect(badS3.code).toBe(2);
    const budget = await batch([write("n.jsonl", items(150)), "-o", out, ...flags(), "--max-items", "10"]);
    expect(budget.code).toBe(2);
    expect(budget.stderr).toMatch(/--max-items applies to --engine local only/);
    const detachLocal = await batch([write("n.jsonl", items(150)), "-o", out, "-m", MODEL, "--detach"]);
    expect(detachLocal.code).toBe(2);
    expect(detachLocal.stderr).toMatch(/need --engine bedrock or auto/);
    const noOut = await batch([write("n.jsonl", items(150)), ...flags()]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/needs -o OUT/);
    writeFileSync(join(home, "a.txt"), "attached");
    const attach = await batch([write("a.jsonl", items(120) + JSON.stringify({ id: "att", prompt: "read it", attachments: ["a.txt"] }) + "\n"), "-o", out, ...flags()]);
    expect(attach.code).toBe(2);
    expect(attach.stderr).toMatch(/item "att" \(line 121\) has attachments/);
    const noState = await run(bin("redux-chat"), ["batch", "status", out], { env });
    expect(noState.code).toBe(2);
    expect(noState.stderr).toMatch(/no Bedrock batch state for .*out\.jsonl/);
    expect(fake.requests).toHaveLength(0);
    expect(existsSync(`${out}.bedrock.json`)).toBe(false);
  });

  test("json_schema: the record asks for it, and an answer that does not follow it is a rejected item", async () => {
    writeFileSync(join(home, "s.schema.json"), JSON.stringify({ type: "object", properties: { n: { type: "number" } }, required: ["n"] }));
    const text = Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: `q-${i}`, prompt: `p ${i}`, ...(i === 5 ? { json_schema: "s.schema.json" } : {}) })).join("\n");
    const out = join(home, "out.jsonl");
    const r = await batch([write("in.jsonl", text), "-o", out, ...flags()]);
    expect(r.code).toBe(7);
    const lines = readOut(out);
    expectEachOnce(lines, 100);
    expect(lines.find((l) => l.id === "q-5")).toMatchObject({ status: "error", error: { code: 6 } });
    const st = state(out);
    const rec = (await s3Get(st.jobs[0].inputUri.replace("s3://redux-batch/", ""))).trim().split("\n").map((l) => JSON.parse(l)).find((x) => st.jobs[0].records[x.recordId] === "q-5");
    expect(rec.modelInput.outputConfig.textFormat.type).toBe("json_schema");
  });

  test("each line's cost and the summary are at the batch tier's own rates (read from the table), when known", async () => {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(home, ".amazon-q"), { recursive: true, mode: 0o700 });
    const entry = (model_id: string, tier: string, input: number, output: number) => ({ model_id, region: "us-east-1", tier, input, output, cache_read: null, cache_write: null, source: "test", date: "2026-11-30" });
    // a batch rate that is not half the standard one: the cost must come from the table's batch row, not from a 50% rule
    const entries = [entry("fake.batch", "standard", 2000, 4000), entry("fake.batch", "batch", 700, 1500), entry("fake.standard-only", "standard", 2000, 4000)];
    writeFileSync(join(home, ".amazon-q", "prices.json"), JSON.stringify({ version: 1, updated_at: new Date().toISOString(), source_url: "test", entries }), { mode: 0o600 });
    const input = write("in.jsonl", items(100));
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, ...flags()]);
    expect(r.code).toBe(0);
    const lines = readOut(out);
    for (const l of lines) {
      expect(l.cost.input).toBeCloseTo((l.usage.input_tokens * 700) / 1e6, 12);
      expect(l.cost.output).toBeCloseTo((l.usage.output_tokens * 1500) / 1e6, 12);
      expect(l.cost.usd).toBeCloseTo((l.usage.input_tokens * 700 + l.usage.output_tokens * 1500) / 1e6, 12);
      expect(l.cost.price_source).toBe("test (2026-11-30), batch tier");
    }
    // the summary is the sum of the lines
    const usd = lines.reduce((a, l) => a + l.cost.usd, 0);
    const { formatUsd } = await import("../../lib/bedrock/prices.ts");
    expect(r.stderr).toContain(`${formatUsd(usd)} at the batch price`);
    // a model with an on-demand price but no batch price: each line's cost is unknown (never the on-demand price),
    // and the summary shows no cost rather than a wrong one; likewise a model with no price at all
    for (const model of ["fake.standard-only", "fake.unpriced"]) {
      const o = join(home, `${model}.out`);
      const other = await batch([write(`${model}.jsonl`, items(100)), "-o", o, ...flags(`custom:us-east-1:${model}`)]);
      expect(other.code).toBe(0);
      expect(other.stderr).not.toContain("batch price");
      for (const l of readOut(o)) expect(l.cost).toEqual({ usd: null, input: null, output: null, cache_read: null, cache_write: null, price_source: null });
    }
  });

  test("a model in the built-in table: lines priced at its published batch rate", async () => {
    // Amazon Nova Micro, batch: $0.0175 in / $0.07 out per million tokens (lib/bedrock/builtin-prices.ts)
    const out = join(home, "nova.jsonl");
    const r = await batch([write("nova-in.jsonl", items(100)), "-o", out, ...flags("custom:us-east-1:amazon.nova-micro-v1:0")]);
    expect(r.code).toBe(0);
    const lines = readOut(out);
    for (const l of lines) {
      expect(l.cost.usd).toBeCloseTo((l.usage.input_tokens * 0.0175 + l.usage.output_tokens * 0.07) / 1e6, 12);
      expect(l.cost.price_source).toMatch(/^built-in: .*, batch tier$/);
    }
    expect(r.stderr).toContain("at the batch price");
  });

  test("--engine auto: local below a job's minimum (no S3 needed), Bedrock from it", async () => {
    const out = join(home, "small.jsonl");
    const small = await batch([write("s.jsonl", items(20)), "-o", out, "-m", MODEL, "--engine", "auto"]);
    expect(small.code).toBe(0);
    expect(readOut(out).every((l) => l.engine === undefined)).toBe(true);
    expect(creates()).toHaveLength(0);
    const bigOut = join(home, "big.jsonl");
    const big = await batch([write("b.jsonl", items(100)), "-o", bigOut, ...flags().filter((f) => f !== "bedrock" && f !== "--engine"), "--engine", "auto"]);
    expect(big.code).toBe(0);
    expect(creates()).toHaveLength(1);
    expect(readOut(bigOut).every((l) => l.engine === "bedrock-batch")).toBe(true);
  });

  test("--detach prints the job id and exits 0; status works from the state file; a later run collects", async () => {
    const input = write("in.jsonl", items(150));
    const out = join(home, "out.jsonl");
    const d = await batch([input, "-o", out, ...flags(), "--detach"]);
    expect(d.code).toBe(0);
    const jobId = d.stdout.trim();
    expect(jobId).toMatch(/^[a-z0-9]+$/);
    expect(existsSync(out) ? readFileSync(out, "utf8") : "").toBe("");
    const s = await run(bin("redux-chat"), ["batch", "status", out], { env });
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(jobId);
    expect(s.stdout).toMatch(/\t(Submitted|Validating|Scheduled|InProgress|Completed)\t/);
    const sj = await run(bin("redux-chat"), ["batch", "status", out, "--json"], { env });
    const rows = JSON.parse(sj.stdout);
    assertValid("batch-status.schema.json", rows);
    expect(rows[0]).toMatchObject({ job_id: jobId, model: MODEL, collected: false, total: 150 });
    await waitFor(() => fake.batchJobs.jobs.get(jobId)?.status === "Completed", "the job to complete");
    const c = await batch([input, "-o", out, ...flags()]);
    expect(c.code).toBe(0);
    expect(creates()).toHaveLength(1);
    expectEachOnce(readOut(out), 150);
  });

  test("cancel stops a running job; the re-run keeps what it finished (exit 130), the next resubmits the rest", async () => {
    fake.batchJobs.progressSteps = 8;
    fake.batchJobs.stepMs = 150;
    const input = write("in.jsonl", items(400));
    const out = join(home, "out.jsonl");
    const d = await batch([input, "-o", out, ...flags(), "--detach"]);
    const jobId = d.stdout.trim();
    await waitFor(() => (fake.batchJobs.jobs.get(jobId)?.processedRecordCount ?? 0) >= 50, "some records processed");
    const c = await run(bin("redux-chat"), ["batch", "cancel", out], { env });
    expect(c.code).toBe(0);
    expect(c.stdout.trim()).toBe(jobId);
    expect(fake.requests.some((r) => r.operation === "StopModelInvocationJob")).toBe(true);
    const r = await batch([input, "-o", out, ...flags()]);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/was stopped/);
    const kept = readOut(out);
    expect(kept.length).toBeGreaterThanOrEqual(50);
    expect(kept.length).toBeLessThan(400);
    fake.batchJobs.stepMs = 20;
    const rest = await batch([input, "-o", out, ...flags()]);
    expect(rest.code).toBe(0);
    expect(rest.stderr).toContain(`${kept.length} skipped`);
    expect(creates()).toHaveLength(2);
    expect(creates()[1]!.body.clientRequestToken).not.toBe(creates()[0]!.body.clientRequestToken);
    expectEachOnce(readOut(out), 400);
  });

  test("job outcomes: Failed exits 6 with the service's message, Expired exits 5 keeping the finished records", async () => {
    const out = join(home, "f.jsonl");
    const f = await batch([write("f.jsonl.in", items(120)), "-o", out, ...flags("custom:us-east-1:fake.job-fail")]);
    expect(f.code).toBe(6);
    expect(f.stderr).toMatch(/error: Bedrock batch job \w+ failed: Validation failed/);
    const eout = join(home, "e.jsonl");
    const e = await batch([write("e.jsonl.in", items(200)), "-o", eout, ...flags("custom:us-east-1:fake.job-expire")]);
    expect(e.code).toBe(5);
    expect(e.stderr).toMatch(/expired/);
    const kept = readOut(eout);
    expect(kept.length).toBe(100);
    expect(kept.every((l) => l.status === "ok")).toBe(true);
    expect(state(eout).jobs[0]).toMatchObject({ status: "Expired", phase: "collected" });
  });

  test("kill -9 at random moments, three times over: every id once, and no record ever sent to Bedrock twice", async () => {
    const n = 600;
    fake.batchJobs.stepMs = 60;
    const input = write("in.jsonl", items(n));
    const out = join(home, "out.jsonl");
    for (let round = 0; round < 3; round++) {
      const p = spawnBatch([input, "-o", out, ...flags(), "-q"]);
      await Bun.sleep(100 + Math.random() * 400);
      p.kill("SIGKILL");
      await p.exited;
    }
    const r = await batch([input, "-o", out, ...flags()]);
    expect(r.code).toBe(0);
    expectEachOnce(readOut(out), n);
    const submitted = [...fake.batchJobs.jobs.values()].reduce((a, j) => a + (j.totalRecordCount ?? 0), 0);
    expect(submitted).toBe(n);
  });

  test("on a terminal, progress is one line redrawn in place", async () => {
    const input = write("in.jsonl", items(100));
    const out = join(home, "out.jsonl");
    const cmd = [bin("redux-chat"), "batch", input, "-o", out, ...flags()].map((a) => `'${a}'`).join(" ");
    const p = Bun.spawn(["script", "-qefc", cmd, "/dev/null"], { env: { ...env, TERM: "xterm", COLUMNS: "200" }, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [screen, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    expect(screen).toMatch(/\r\u001B\[2K1 job \w+ · \d+\/100 processed · ok \d+ · failed 0/);
    expect(screen).toContain("100 ok, 0 failed");
    expectEachOnce(readOut(out), 100);
  });

  describe("kill -9, then the same command: every id exactly once, never a second job", () => {
    const n = 150;
    const killAt = async (cond: () => boolean, what: string) => {
      const input = write("in.jsonl", items(n));
      const out = join(home, "out.jsonl");
      const p = spawnBatch([input, "-o", out, ...flags(), "-q"]);
      await waitFor(cond, what);
      p.kill("SIGKILL");
      await p.exited;
      return { input, out };
    };
    const finish = async (input: string, out: string) => {
      const r = await batch([input, "-o", out, ...flags()]);
      expect(r.code).toBe(0);
      expectEachOnce(readOut(out), n);
      expect(fake.batchJobs.jobs.size).toBe(1);
    };

    test("before the create reached Bedrock", async () => {
      fake.batchJobs.holdCreate = "before";
      const { input, out } = await killAt(() => creates().length === 1, "the create request");
      expect(fake.batchJobs.jobs.size).toBe(0);
      expect(state(out).jobs[0].phase).toBe("uploaded");
      fake.batchJobs.holdCreate = undefined;
      await finish(input, out);
    });

    test("after the create, before its answer arrived (the token makes the retried create the same job)", async () => {
      fake.batchJobs.holdCreate = "after";
      const { input, out } = await killAt(() => fake.batchJobs.jobs.size === 1, "the job to exist");
      expect(state(out).jobs[0].jobArn).toBeUndefined();
      fake.batchJobs.holdCreate = undefined;
      await finish(input, out);
      expect(creates()).toHaveLength(2);
      expect(creates()[0]!.body.clientRequestToken).toBe(creates()[1]!.body.clientRequestToken);
    });

    test("while waiting", async () => {
      fake.batchJobs.stepMs = 100;
      const { input, out } = await killAt(() => [...fake.batchJobs.jobs.values()].some((j) => j.status === "InProgress"), "the job to run");
      expect(state(out).jobs[0].phase).toBe("submitted");
      fake.batchJobs.stepMs = 20;
      await finish(input, out);
      expect(creates()).toHaveLength(1);
    });

    test("while downloading (OUT half written, a torn last line, the job not yet marked collected)", async () => {
      const input = write("in.jsonl", items(n));
      const out = join(home, "out.jsonl");
      expect((await batch([input, "-o", out, ...flags()])).code).toBe(0);
      // the moment a kill -9 leaves behind: some lines out, one cut in half, the state still says submitted
      const all = readFileSync(out, "utf8").split("\n").filter(Boolean);
      writeFileSync(out, `${all.slice(0, 60).join("\n")}\n${all[60]!.slice(0, 30)}`);
      const st = state(out);
      st.jobs[0].phase = "submitted";
      delete st.jobs[0].collectedAt;
      writeFileSync(`${out}.bedrock.json`, JSON.stringify(st));
      const r = await batch([input, "-o", out, ...flags()]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("90 ok, 0 failed, 60 skipped");
      expectEachOnce(readOut(out), n);
      expect(creates()).toHaveLength(1);
    });
  });
});
