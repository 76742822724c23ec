// redux-test-model from the compiled binary, as a person and a script see it: one line per check with a mark and a
// detail, --json for scripts (validated against its schema), --no-invoke, the documented exit codes, a hint a person
// can act on for each failure, and --timeout bounding the whole run.
import { describe, expect, test } from "bun:test";
import { bin, run, withFakeAws, type FakeAwsContext, type RunResult } from "./harness.ts";
import { assertValid } from "../schema.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const PROFILE_ID = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const MODEL = `custom:us-east-1:${PROFILE_ID}`;

const smoke = (args: string[], extra: Record<string, string | undefined> = {}, timeoutMs?: number): Promise<RunResult> => {
  const env = Object.fromEntries(Object.entries({ ...ctx.env, ...extra }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return run(bin("redux-test-model"), args, { env, timeoutMs });
};

async function json(args: string[], extra: Record<string, string | undefined> = {}) {
  const r = await smoke([...args, "--json"], extra);
  const report = JSON.parse(r.stdout);
  assertValid("test-model-output.schema.json", report);
  expect(report.exit_code).toBe(r.code);
  return { ...r, report };
}

const bedrockCalls = () => ctx.fake.requests.filter((q) => q.service === "bedrock");

describe("a working setup", () => {
  test("four lines, in order, each with a mark and a detail; a summary on stderr; exit 0", async () => {
    const r = await smoke(["-m", MODEL]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`✔ model        ${MODEL} · region us-east-1 · inference profile (from --model)`);
    expect(lines[1]).toBe("✔ credentials  env · key AKID…0001 · does not expire");
    expect(lines[2]).toBe("✔ identity     account 123456789012 · arn:aws:iam::123456789012:user/AKIDFAKEEXAMPLE0001");
    expect(lines[3]).toMatch(/^✔ invoke {7}answered in \d+ ms · \d+ in \/ 1 out tokens · (\$[0-9.]+|cost unknown) · max_tokens$/);
    expect(r.stderr).toMatch(/^all checks passed in \d+\.\d s\n$/);
    // the tiny Converse call: the smallest answer there is
    expect(bedrockCalls().map((q) => [q.operation, q.modelId, q.body.inferenceConfig])).toEqual([["Converse", PROFILE_ID, { maxTokens: 1 }]]);
  });

  test("--json: one object with the model, the source, the masked key, who you are, latency and usage", async () => {
    const { code, report, stderr } = await json(["-m", MODEL]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(report).toMatchObject({
      ok: true,
      exit_code: 0,
      model: MODEL,
      region: "us-east-1",
      model_id: PROFILE_ID,
      model_kind: "inference-profile",
      credential_source: "env",
      credential_label: "env",
      access_key_id: "AKID…0001",
      expires_at: null,
      account: "123456789012",
      arn: "arn:aws:iam::123456789012:user/AKIDFAKEEXAMPLE0001",
    });
    expect(report.usage.output_tokens).toBe(1);
    expect(report.usage.total_tokens).toBe(report.usage.input_tokens + 1);
    expect(report.latency_ms).toBeGreaterThanOrEqual(0);
    expect(report.checks.map((c: { name: string; ok: boolean }) => `${c.name}:${c.ok}`)).toEqual(["model:true", "credentials:true", "identity:true", "invoke:true"]);
  });

  test("--no-invoke stops after the identity check and never calls the model; an ARN and a bare id are named as such", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b-instruct-v1:0";
    const r = await json(["-m", `custom:us-east-1:${arn}`, "--no-invoke"]);
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ ok: true, model_kind: "arn", model_id: arn, latency_ms: null, usage: null });
    expect(r.report.checks.at(-1)).toEqual({ name: "invoke", ok: true, skipped: true, detail: "skipped (--no-invoke)" });
    const bare = await json(["-m", "amazon.nova-micro-v1:0", "--region", "eu-west-1", "--no-invoke"]);
    expect(bare.report).toMatchObject({ ok: true, region: "eu-west-1", model_kind: "foundation-model", model: "custom:eu-west-1:amazon.nova-micro-v1:0" });
    expect(bedrockCalls()).toEqual([]);
    const human = await smoke(["-m", MODEL, "--no-invoke"]);
    expect(human.stdout.trimEnd().split("\n").at(-1)).toBe("– invoke       skipped (--no-invoke)");
  });

  test("expiring credentials say when they expire", async () => {
    const cred = { accessKeyId: "ASIAEXPIRINGKEY00001", secretAccessKey: "expiring-secret-0001", sessionToken: "a-session-token-for-the-fake" };
    ctx.fake.addCredential(cred);
    const expires = new Date(Date.now() + 90 * 60_000 + 30_000);
    const r = await smoke(["-m", MODEL], {
      AWS_ACCESS_KEY_ID: cred.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cred.secretAccessKey,
      AWS_SESSION_TOKEN: cred.sessionToken,
      AWS_CREDENTIAL_EXPIRATION: expires.toISOString(),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✔ credentials  env · key ASIA…0001 · expires ${expires.toISOString()} (in 90 min)`);
    for (const secret of [cred.secretAccessKey, cred.sessionToken]) expect(r.stdout + r.stderr).not.toContain(secret);
  });
});

describe("failures: exit code, the failing line, and a hint", () => {
  const cases: { what: string; model: string; code: number; line: string; hint: string }[] = [
    {
      what: "access denied → 4, naming the region and both IAM actions",
      model: "custom:us-east-1:fake.access-denied",
      code: 4,
      line: "✖ invoke       access denied to fake.access-denied in us-east-1",
      hint: "enable model access for this model in us-east-1 in the Bedrock console, and allow the IAM action bedrock:InvokeModel (and bedrock:InvokeModelWithResponseStream for redux-chat)",
    },
    { what: "model not found → 4", model: "custom:us-east-1:fake.not-found", code: 4, line: "✖ invoke       model not found in us-east-1: fake.not-found", hint: "aws bedrock list-foundation-models" },
    { what: "throttled → 5", model: "custom:us-east-1:fake.throttle-always", code: 5, line: "✖ invoke       throttled by Bedrock in us-east-1", hint: "wait and retry" },
    { what: "unavailable → 5", model: "custom:us-east-1:fake.unavailable-always", code: 5, line: "✖ invoke       Bedrock is unavailable in us-east-1", hint: "retry later" },
    {
      what: "on-demand throughput not supported → 6, with the inference profile id to use",
      model: "custom:eu-west-1:anthropic.claude-3-5-sonnet-20241022-v2:0.on-demand",
      code: 6,
      line: "✖ invoke       anthropic.claude-3-5-sonnet-20241022-v2:0.on-demand cannot be called on demand in eu-west-1",
      hint: "use the inference profile id instead: custom:eu-west-1:eu.anthropic.claude-3-5-sonnet-20241022-v2:0.on-demand",
    },
    {
      what: "region mismatch between the model string and the ARN → 2, with the string to use",
      model: "custom:us-west-2:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x:0",
      code: 2,
      line: "✖ model",
      hint: "custom:us-east-1:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x:0",
    },
  ];
  for (const c of cases) {
    test(c.what, async () => {
      const r = await smoke(["-m", c.model]);
      expect(r.code).toBe(c.code);
      const lines = r.stdout.split("\n");
      const i = lines.findIndex((l) => l.startsWith(c.line));
      expect({ found: i >= 0, stdout: i >= 0 ? "" : r.stdout }).toEqual({ found: true, stdout: "" });
      expect(lines[i + 1]).toStartWith("  hint: ");
      expect(lines[i + 1]).toContain(c.hint);
      expect(r.stderr).toMatch(/^a check failed in \d+\.\d s\n$/);
      const j = await json(["-m", c.model]);
      const failed = j.report.checks.find((x: { ok: boolean }) => !x.ok);
      expect(failed.hint).toContain(c.hint);
      expect(j.report.ok).toBe(false);
    });
  }

  test("a wrong secret → 3: STS and Bedrock both reject it, and the hint says what to check", async () => {
    const r = await smoke(["-m", MODEL], { AWS_SECRET_ACCESS_KEY: "not-the-right-secret" });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("✖ identity     AWS rejected the credentials (SignatureDoesNotMatch)");
    expect(r.stdout).toContain("  hint: check the access key and secret (a wrong secret or a stale session token)");
    expect(r.stdout + r.stderr).not.toContain("not-the-right-secret");
  });

  test("keys whose AWS_CREDENTIAL_EXPIRATION has passed → 3 before anything is sent, with how to refresh them", async () => {
    const r = await json(["-m", MODEL], { AWS_SESSION_TOKEN: "stale-session-token-0001", AWS_CREDENTIAL_EXPIRATION: "2024-01-01T00:00:00Z" });
    expect(r.code).toBe(3);
    expect(r.report.checks[1]).toMatchObject({ name: "credentials", ok: false, error: "credentials", detail: "the credentials from env expired at 2024-01-01T00:00:00.000Z" });
    expect(r.report.checks[1].hint).toContain("aws configure export-credentials");
    expect(r.report.checks.slice(2).map((c: { skipped?: boolean }) => c.skipped)).toEqual([true, true]);
    expect(ctx.fake.requests).toEqual([]);
  });

  test("--timeout bounds the whole run: a model that never answers → 5 within the bound, keeping what was learnt", async () => {
    const r = await smoke(["-m", "custom:us-east-1:fake.stall-first", "--timeout", "2", "--json"], {}, 20_000);
    expect(r.code).toBe(5);
    expect(r.ms).toBeLessThan(6000);
    const report = JSON.parse(r.stdout);
    assertValid("test-model-output.schema.json", report);
    expect(report).toMatchObject({ ok: false, exit_code: 5, model_id: "fake.stall-first", credential_source: "env", account: "123456789012" });
    expect(report.checks.at(-1)).toMatchObject({ name: "invoke", ok: false, error: "unavailable", detail: "timed out after 2 s" });
  });
});
