// `redux-test-model --all` from the compiled binary against the fake: every callable text model of the region gets a
// 1-token Converse (a profile-only one through its profile, named on its line), models availability rules out are
// reported and not called, one line per model and a summary, --json an array of per-model reports (each valid
// against the single-model schema), exit 0 only when every probed model answered, --concurrency bounds the calls.
import { describe, expect, test } from "bun:test";
import { bin, run, withFakeAws, type FakeAwsContext } from "./harness.ts";
import { assertValid } from "../schema.ts";
import { textModels } from "../fakes/control-plane.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const smoke = (args: string[], extra: Record<string, string | undefined> = {}) => {
  const env = Object.fromEntries(Object.entries({ ...ctx.env, ...extra }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return run(bin("redux-test-model"), ["--all", ...args], { env });
};
const converse = () => ctx.fake.requests.filter((q) => q.service === "bedrock").map((q) => q.modelId).sort();

describe("redux-test-model --all", () => {
  test("one line per text model: answered, through its profile, or why it was not called; a summary; exit 0", async () => {
    const r = await smoke([]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("✔ credentials  env · key AKID…0001 · does not expire");
    expect(lines[1]).toMatch(/^✔ identity {5}account 123456789012 · /);
    // each answer's line says what the probe cost (Nova Micro is in the built-in table), or that it is unknown
    expect(r.stdout).toMatch(/^✔ custom:us-east-1:amazon\.nova-micro-v1:0 · answered in \d+ ms · \d+ in \/ 1 out tokens · \$0\.0000\d+ · max_tokens$/m);
    expect(r.stdout).toMatch(/^✔ custom:us-east-1:anthropic\.claude-3-sonnet-20240229-v1:0 · answered in \d+ ms · \d+ in \/ 1 out tokens · cost unknown · max_tokens$/m);
    expect(r.stdout).toMatch(new RegExp(`^✔ custom:us-east-1:${SONNET.replace(/\./g, "\\.")} · through us\\.${SONNET.replace(/\./g, "\\.")}: answered in \\d+ ms`, "m"));
    expect(r.stdout).toContain("– custom:us-east-1:meta.llama3-2-90b-instruct-v1:0 · agreement pending: not called");
    expect(r.stdout).toContain("– custom:us-east-1:mistral.mistral-large-2402-v1:0 · not available in this region: not called");
    expect(r.stdout).not.toContain("titan-embed");
    expect(r.stderr).toMatch(/^7 models in us-east-1: 4 answered, 3 not called in \d+\.\d s\n$/);
    // a 1-token Converse each, the profile-only model through its profile; nothing for the others
    expect(converse()).toEqual(["amazon.nova-lite-v1:0", "amazon.nova-micro-v1:0", "anthropic.claude-3-sonnet-20240229-v1:0", `us.${SONNET}`]);
    expect(ctx.fake.requests.filter((q) => q.service === "bedrock").every((q) => q.operation === "Converse" && q.body.inferenceConfig.maxTokens === 1)).toBe(true);
  });

  test("--json: an array of single-model reports, each valid against the test-model schema", async () => {
    const r = await smoke(["--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const reports = JSON.parse(r.stdout) as Record<string, any>[];
    expect(reports).toHaveLength(7);
    for (const rep of reports) assertValid("test-model-output.schema.json", rep);
    const sonnet = reports.find((x) => x.model === `custom:us-east-1:${SONNET}`)!;
    expect(sonnet).toMatchObject({ ok: true, exit_code: 0, model_id: `us.${SONNET}`, model_kind: "inference-profile", account: "123456789012", credential_source: "env" });
    expect(sonnet.checks.map((c: { name: string }) => c.name)).toEqual(["model", "credentials", "identity", "invoke"]);
    expect(reports.find((x) => x.model.includes("llama"))).toMatchObject({ ok: false, exit_code: 4, latency_ms: null, cost: null });
    // each probed model's cost, as the single-model report gives it: the profile it was called through is priced
    // ($3 in / $15 out per million for Claude 3.5 Sonnet v2 through us.), a model without a price is unknown
    expect(sonnet.cost.usd).toBeCloseTo((sonnet.usage.input_tokens * 3 + sonnet.usage.output_tokens * 15) / 1e6, 12);
    expect(sonnet.cost.price_source).toContain("built-in");
    const micro = reports.find((x) => x.model === "custom:us-east-1:amazon.nova-micro-v1:0")!;
    expect(micro.cost.usd).toBeCloseTo((micro.usage.input_tokens * 0.035 + micro.usage.output_tokens * 0.14) / 1e6, 12);
    expect(reports.find((x) => x.model.includes("claude-3-sonnet"))!.cost).toEqual({ usd: null, input: null, output: null, cache_read: null, cache_write: null, price_source: null });
  });

  test("a probed model that is denied: its line names the IAM action, exit 4, the others still answer", async () => {
    ctx.fake.controlPlane.state.models.push({ ...textModels(1)[0]!, modelId: "fake.access-denied-v1:0", modelName: "Denied" });
    const r = await smoke([]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^✖ custom:us-east-1:fake\.access-denied-v1:0 · access denied to fake\.access-denied-v1:0 in us-east-1/m);
    expect(r.stdout).toContain("bedrock:InvokeModel");
    expect(r.stderr).toMatch(/^8 models in us-east-1: 4 answered, 1 failed, 3 not called/);
  });

  test("--concurrency bounds the calls in flight: 16 models answering after 200 ms take at least two rounds at 8", async () => {
    ctx.fake.controlPlane.state.models = textModels(16);
    ctx.fake.setDelayMs(200);
    try {
      await smoke(["--json"]); // discovery cached, so the timing below is the probes
      ctx.fake.reset();
      ctx.fake.controlPlane.state.models = textModels(16);
      const t0 = performance.now();
      const r = await smoke(["--concurrency", "8"]);
      const ms = performance.now() - t0;
      expect(r.code).toBe(0);
      expect(converse()).toHaveLength(16);
      expect(ms).toBeGreaterThanOrEqual(400);
      expect(ms).toBeLessThan(3200);
    } finally {
      ctx.fake.setDelayMs(0);
    }
  });

  test("usage and credentials: --concurrency 0, -m with --all, --concurrency alone → 2; no credentials → 3", async () => {
    expect((await smoke(["--concurrency", "0"])).code).toBe(2);
    const m = await smoke(["-m", `custom:us-east-1:${SONNET}`]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("--all tests every model of the region");
    const alone = await run(bin("redux-test-model"), ["--concurrency", "4"], { env: ctx.env });
    expect(alone.code).toBe(2);
    const none = await smoke([], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(none.code).toBe(3);
    expect(none.stdout).toMatch(/^✖ credentials/m);
    expect(converse()).toEqual([]);
  });

  test("--no-invoke and --fallback are refused before any call (2); fallback settings do not touch --all", async () => {
    for (const [args, text] of [[["--no-invoke"], "--no-invoke"], [["--fallback", `custom:us-west-2:${SONNET}`], "--fallback"]] as const) {
      const r = await smoke([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`it takes no ${text}`);
      expect(r.stdout).toBe("");
    }
    expect(ctx.fake.requests).toEqual([]);
    // a malformed AMAZON_Q_FALLBACK_MODELS is for chat and the single-model test: --all probes each model on its own
    const r = await smoke([], { AMAZON_Q_FALLBACK_MODELS: "not a model" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ credentials/m);
  });

  test("--json without credentials: one report saying why (the failed credentials check), exit 3", async () => {
    const r = await smoke(["--json"], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.length).toBe(1);
    assertValid("test-model-output.schema.json", out[0]);
    expect(out[0]).toMatchObject({ ok: false, exit_code: 3, model: null, region: "us-east-1" });
    expect(out[0].checks[0]).toMatchObject({ name: "credentials", ok: false });
    expect(converse()).toEqual([]);
  });
});
