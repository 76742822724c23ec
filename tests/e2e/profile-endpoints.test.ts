// A profile's own endpoint settings, from the compiled binaries: `--profile NAME` must send every client (the control
// plane, the runtime, STS) where the SDK sends it under AWS_PROFILE=NAME: the profile's endpoint_url, its [services]
// section, unless AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL say otherwise or ignore_configured_endpoint_urls
// (or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) turns them all off. Two profiles point at two different loopback fakes.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeAws, type FakeAws } from "../fakes/fake-aws.ts";
import { startConnectProxy } from "../fakes/connect-proxy.ts";
import { startTlsFront } from "../fakes/tls-front.ts";
import { startS3, type FakeS3 } from "../fakes/s3.ts";
import { bin, run, scrubbedEnv, tempHome, FAKE_KEY, type RunResult } from "./harness.ts";

const MODEL = "custom:us-east-1:anthropic.claude-3-haiku-20240307-v1:0";
let alpha: FakeAws;
let beta: FakeAws;
let s3: FakeS3;
let home: string;
let cleanup: () => void;

beforeAll(async () => {
  [alpha, beta, s3] = await Promise.all([startFakeAws(), startFakeAws(), startS3({ buckets: ["redux-batch"] })]);
  beta.batchJobs.s3Endpoint = s3.url;
});
afterAll(async () => {
  await Promise.all([alpha.close(), beta.close(), s3.close()]);
});
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  alpha.reset();
  beta.reset();
  const keys = `aws_access_key_id = ${FAKE_KEY.id}\naws_secret_access_key = ${FAKE_KEY.secret}\nregion = us-east-1\n`;
  mkdirSync(join(home, ".aws"), { recursive: true });
  writeFileSync(
    join(home, ".aws", "config"),
    [
      `[default]\n${keys}`,
      // alpha: the profile's own endpoint_url, for every service
      `[profile alpha]\n${keys}endpoint_url = ${alpha.url}\n`,
      // beta: a [services] section, one endpoint per service
      `[profile beta]\n${keys}services = beta-local\n`,
      `[services beta-local]\nbedrock =\n  endpoint_url = ${beta.url}\nbedrock_runtime =\n  endpoint_url = ${beta.url}\nsts =\n  endpoint_url = ${beta.url}\ns3 =\n  endpoint_url = ${s3.url}\n`,
      // off: an endpoint_url the profile itself says to ignore
      `[profile off]\n${keys}endpoint_url = ${alpha.url}\nignore_configured_endpoint_urls = true\n`,
    ].join("\n"),
  );
});
afterEach(() => cleanup());

/** No endpoint in the environment: only what ~/.aws/config says (and what a test adds). */
const env = (extra: Record<string, string | undefined> = {}) =>
  Object.fromEntries(
    Object.entries({ ...scrubbedEnv(), HOME: home, NO_COLOR: "1", AWS_EC2_METADATA_DISABLED: "true", ...extra }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;

const models = (args: string[], extra: Record<string, string | undefined> = {}): Promise<RunResult> =>
  run(bin("redux-chat"), ["models", "--refresh", "--json", ...args], { env: env(extra) });

const calls = (fake: FakeAws, service: string) => fake.requests.filter((q) => q.service === service && q.verified);

describe("--profile NAME: that profile's endpoint settings, as under AWS_PROFILE=NAME", () => {
  test("the control plane (models) goes to the profile's endpoint_url, or its [services] section's bedrock endpoint", async () => {
    const a = await models(["--profile", "alpha"]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).length).toBeGreaterThan(0);
    expect(calls(alpha, "bedrock-control").length).toBeGreaterThan(0);
    expect(beta.requests).toEqual([]);

    alpha.reset();
    const b = await models(["--profile", "beta"]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(calls(beta, "bedrock-control").length).toBeGreaterThan(0);
    expect(alpha.requests).toEqual([]);
  });

  test("--profile wins over AWS_PROFILE, and AWS_PROFILE alone does what --profile does", async () => {
    expect((await models(["--profile", "alpha"], { AWS_PROFILE: "beta" })).code).toBe(0);
    expect(calls(alpha, "bedrock-control").length).toBeGreaterThan(0);
    expect(beta.requests).toEqual([]);

    alpha.reset();
    expect((await models([], { AWS_PROFILE: "beta" })).code).toBe(0);
    expect(calls(beta, "bedrock-control").length).toBeGreaterThan(0);
    expect(alpha.requests).toEqual([]);
  });

  test("the runtime (a chat) and STS (redux-test-model's who-am-i) follow the same profile", async () => {
    const chat = await run(bin("redux-chat"), ["--profile", "beta", "-m", MODEL, "--no-save", "hello"], { env: env() });
    expect(chat.code).toBe(0);
    expect(chat.stdout).toBe("Echo: hello\n");
    expect(calls(beta, "bedrock").map((q) => q.operation)).toEqual(["ConverseStream"]);
    expect(alpha.requests).toEqual([]);

    beta.reset();
    const smoke = await run(bin("redux-test-model"), ["--profile", "alpha", "-m", MODEL, "--json"], { env: env() });
    expect(smoke.code).toBe(0);
    expect(calls(alpha, "sts").length).toBe(1);
    expect(calls(alpha, "bedrock").length).toBeGreaterThan(0);
    expect(beta.requests).toEqual([]);
  });

  test("S3 and the batch jobs (batch --engine bedrock) follow the profile's [services] section", async () => {
    const input = join(home, "in.jsonl");
    // a Bedrock batch job takes 100 records at least
    writeFileSync(input, Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: `q-${i}`, prompt: `question ${i}` })).join("\n") + "\n");
    const out = join(home, "out.jsonl");
    const args = ["batch", input, "-o", out, "--profile", "beta", "-m", "custom:us-east-1:fake.batch", "--engine", "bedrock", "--s3", "s3://redux-batch/p", "--role-arn", "arn:aws:iam::123456789012:role/BedrockBatch", "--poll-interval", "0.1", "-q"];
    const r = await run(bin("redux-chat"), args, { env: env(), timeoutMs: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.length).toBe(100);
    expect(lines.every((l) => l.status === "ok")).toBe(true);
    expect(beta.requests.filter((q) => q.operation === "CreateModelInvocationJob" && q.verified).length).toBe(1);
    // the records went to the profile's S3 (the fake's job read them from there)
    expect((await fetch(`${s3.url}/redux-batch?list-type=2&prefix=p/`)).status).toBe(200);
    expect(await (await fetch(`${s3.url}/redux-batch?list-type=2&prefix=p/`)).text()).toContain("<Key>p/");
    expect(alpha.requests).toEqual([]);
  }, 60_000);

  test("AWS_ENDPOINT_URL_BEDROCK, then AWS_ENDPOINT_URL, win over the profile's settings", async () => {
    expect((await models(["--profile", "alpha"], { AWS_ENDPOINT_URL_BEDROCK: beta.url })).code).toBe(0);
    expect(calls(beta, "bedrock-control").length).toBeGreaterThan(0);
    expect(calls(alpha, "bedrock-control")).toEqual([]);

    beta.reset();
    alpha.reset();
    expect((await models(["--profile", "alpha"], { AWS_ENDPOINT_URL: beta.url })).code).toBe(0);
    expect(calls(beta, "bedrock-control").length).toBeGreaterThan(0);
    expect(alpha.requests).toEqual([]);
  });

  test("ignore_configured_endpoint_urls in the profile, or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: AWS's own hosts, not the profile's", async () => {
    // a proxy that records which host each client asked for and lets nothing through (tunnels to a closed loopback port)
    const proxy = await startConnectProxy({ route: () => ({ host: "127.0.0.1", port: 9 }) });
    const asked = () => new Set(proxy.seen.map((s) => s.target));
    try {
      const viaProxy = { HTTPS_PROXY: proxy.url };
      const off = await models(["--profile", "off"], { ...viaProxy, AWS_ENDPOINT_URL_BEDROCK: beta.url });
      expect(off.code).toBe(5);
      expect(asked()).toEqual(new Set(["sts.us-east-1.amazonaws.com:443", "bedrock.us-east-1.amazonaws.com:443"]));

      proxy.seen.length = 0;
      const chat = await run(bin("redux-chat"), ["--profile", "alpha", "-m", MODEL, "--no-save", "hello"], { env: env({ ...viaProxy, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }) });
      expect(chat.code).toBe(5);
      expect(asked()).toContain("bedrock-runtime.us-east-1.amazonaws.com:443");
      expect([...asked()].every((t) => t.endsWith(".us-east-1.amazonaws.com:443"))).toBe(true);
      expect(alpha.requests).toEqual([]);
      expect(beta.requests).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  test("behind HTTPS_PROXY, all of the control plane's list calls go through (more of them than pooled sockets)", async () => {
    // "AWS" here: a third fake behind TLS, with a certificate for the real host names, that the proxy routes them to
    const aws = await startFakeAws();
    const names = ["sts", "bedrock"].map((s) => `${s}.us-east-1.amazonaws.com`);
    const tls = await startTlsFront(aws.url, { names });
    const proxy = await startConnectProxy({ route: (host) => (names.includes(host) ? { host: "127.0.0.1", port: Number(new URL(tls.url).port) } : undefined) });
    try {
      const r = await models(["--profile", "off"], { HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: tls.caPath });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).length).toBeGreaterThan(0);
      const ops = new Set(calls(aws, "bedrock-control").map((q) => q.operation));
      for (const op of ["ListFoundationModels", "ListInferenceProfiles", "ListProvisionedModelThroughputs", "ListCustomModels", "ListImportedModels"]) expect(ops).toContain(op);
      expect(alpha.requests).toEqual([]);
    } finally {
      await Promise.all([proxy.close(), tls.close(), aws.close()]);
    }
  }, 30_000);
});
