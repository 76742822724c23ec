// `redux-chat models` from the compiled binary against the fake control plane: every list (paginated profiles of
// both types, provisioned, custom, imported) and each model's availability; TSV with a header when piped, a table
// that fits 80 columns on a terminal, --json against its schema; --provider; the 24 h cache (0600/0700, no call
// when warm, --refresh, a damaged file rebuilt); a denied list named by its IAM action while the rest still shows;
// exit 3 without credentials; the SDK's own endpoint settings; --all-regions in parallel.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, run, withFakeAws, type FakeAwsContext, type RunResult } from "./harness.ts";
import { assertValid } from "../schema.ts";
import { startForwardProxy } from "../fakes/forward-proxy.ts";
import { startTlsFront } from "../fakes/tls-front.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const models = (args: string[], extra: Record<string, string | undefined> = {}): Promise<RunResult> => {
  const env = Object.fromEntries(Object.entries({ ...ctx.env, ...extra }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return run(bin("redux-chat"), ["models", ...args], { env });
};
const json = async (args: string[] = [], extra: Record<string, string | undefined> = {}) => {
  const r = await models([...args, "--json"], extra);
  expect(r.code).toBe(0);
  const rows = JSON.parse(r.stdout);
  assertValid("models-output.schema.json", rows);
  return { ...r, rows: rows as Record<string, any>[] };
};
const cpCalls = () => ctx.fake.requests.filter((q) => q.service === "bedrock-control");
const tsvRows = (stdout: string) => {
  const [head, ...lines] = stdout.trimEnd().split("\n");
  const cols = head!.split("\t");
  return lines.map((l) => Object.fromEntries(l.split("\t").map((v, i) => [cols[i], v])));
};

describe("what can be called in a region", () => {
  test("piped: a TSV header and one line per model, profile, provisioned throughput, custom and imported model", async () => {
    const r = await models([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")[0]).toBe("model\tregion\tkind\tprovider\tname\tinput\toutput\tstreaming\tinvocation\tprofile\tlifecycle\tend_of_life\taccess");
    const rows = tsvRows(r.stdout);
    const by = (id: string) => rows.find((x) => x.model === `custom:us-east-1:${id}`)!;
    expect(by("anthropic.claude-3-5-sonnet-20241022-v2:0")).toMatchObject({
      kind: "foundation-model", provider: "Anthropic", name: "Claude 3.5 Sonnet v2", input: "text,image", output: "text", streaming: "yes",
      invocation: "profile-only", profile: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", lifecycle: "ACTIVE", access: "authorized",
    });
    expect(by("anthropic.claude-3-sonnet-20240229-v1:0")).toMatchObject({ invocation: "on-demand", profile: "", lifecycle: "LEGACY", end_of_life: "2027-03-01" });
    expect(by("meta.llama3-2-90b-instruct-v1:0")).toMatchObject({ access: "agreement-pending", profile: "custom:us-east-1:us.meta.llama3-2-90b-instruct-v1:0" });
    expect(by("mistral.mistral-large-2402-v1:0").access).toBe("not-available");
    expect(by("amazon.titan-embed-text-v2:0")).toMatchObject({ output: "embedding", streaming: "no" });
    // every system profile of the region, over two pages, and the application profile (by its ARN)
    expect(rows.filter((x) => x.kind === "system-profile").map((x) => x.model).sort()).toEqual([
      "custom:us-east-1:global.anthropic.claude-3-5-sonnet-20241022-v2:0",
      "custom:us-east-1:us.amazon.nova-micro-v1:0",
      "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      "custom:us-east-1:us.meta.llama3-2-90b-instruct-v1:0",
    ]);
    expect(by("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6")).toMatchObject({ kind: "application-profile", provider: "Anthropic", name: "team-sonnet" });
    expect(by("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt0abc123def")).toMatchObject({ kind: "provisioned", invocation: "provisioned", provider: "Amazon", name: "prod-nova" });
    expect(by("arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/x1y2z3")).toMatchObject({ kind: "custom", name: "support-tuned" });
    expect(by("arn:aws:bedrock:us-east-1:123456789012:imported-model/im0abc123")).toMatchObject({ kind: "imported", invocation: "on-demand" });
    // the real control plane: HTTP/1.1, signed for `bedrock` in the region, both profile types asked, pages followed
    const calls = cpCalls();
    expect(calls.every((q) => q.verified && q.httpVersion === "1.1" && q.signingService === "bedrock" && q.region === "us-east-1")).toBe(true);
    const profiles = calls.filter((q) => q.operation === "ListInferenceProfiles").map((q) => `${q.body.type}:${q.body.nextToken ?? ""}`).sort();
    expect(profiles).toEqual(["APPLICATION:", "SYSTEM_DEFINED:", "SYSTEM_DEFINED:page-2"]);
    for (const op of ["ListFoundationModels", "ListProvisionedModelThroughputs", "ListCustomModels", "ListImportedModels"]) expect(calls.filter((q) => q.operation === op)).toHaveLength(1);
    expect(calls.filter((q) => q.operation === "GetFoundationModelAvailability")).toHaveLength(8);
  });

  test("--json: one array, valid against schemas/models-output.schema.json", async () => {
    const { rows } = await json();
    expect(rows).toHaveLength(16);
    expect(rows.find((x) => x.id === "us.anthropic.claude-3-5-sonnet-20241022-v2:0")).toMatchObject({
      kind: "system-profile", base_model: "anthropic.claude-3-5-sonnet-20241022-v2:0", regions: ["us-east-1", "us-east-2", "us-west-2"], invocation: "on-demand", streaming: true,
    });
  });

  test("on a terminal: a table within 80 columns; names shrink, ids are never cut (only ARN rows run longer)", async () => {
    const { rows } = await json();
    const r = await run("script", ["-qec", `${bin("redux-chat")} models`, "/dev/null"], { env: { ...ctx.env, COLUMNS: "80", TERM: "xterm" } });
    expect(r.code).toBe(0);
    const lines = r.stdout.replace(/\r/g, "").trimEnd().split("\n");
    expect(lines[0]).toBe("MODEL");
    expect(lines[1]).toMatch(/^ {2}PROVI… +NAME +IN→OUT +STREAM +INVOKE +LIFECYCLE +ACCESS$/);
    for (const l of lines) if (!l.includes("arn:aws:")) expect(l.length).toBeLessThanOrEqual(80);
    for (const row of rows) expect(lines).toContain(row.model);
    expect(r.stdout).toContain("↳ use custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0");
    expect(r.stdout).toMatch(/LEGACY 2027-03-01 +authorized/);
    expect(r.stdout).toMatch(/profile only +active +agreement pending/);
    // a wide terminal: one line a row
    const wide = await run("script", ["-qec", `${bin("redux-chat")} models`, "/dev/null"], { env: { ...ctx.env, COLUMNS: "200", TERM: "xterm" } });
    expect(wide.stdout).toMatch(/^custom:us-east-1:amazon\.nova-micro-v1:0 +Amazon +Nova Micro +text→text +yes +on-demand +active +authorized\r?$/m);
  });

  test("--provider is case-insensitive and keeps profiles and provisioned rows by the model they point at", async () => {
    const a = await json(["--provider", "ANTHROPIC"]);
    expect(new Set(a.rows.map((x) => x.provider))).toEqual(new Set(["Anthropic"]));
    expect(a.rows.map((x) => x.kind).sort()).toEqual(["application-profile", "foundation-model", "foundation-model", "system-profile", "system-profile"]);
    const amazon = await json(["--provider", "amazon"]);
    expect(amazon.rows.map((x) => x.kind)).toContain("provisioned");
    expect(amazon.rows.every((x) => x.provider === "Amazon")).toBe(true);
    const none = await models(["--provider", "nobody"]);
    expect(none.code).toBe(0);
    expect(none.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(none.stderr).toContain('no model of provider "nobody" in us-east-1');
  });
});

describe("the cache", () => {
  const cacheDir = () => join(ctx.home, ".amazon-q", "cache");

  test("a warm run makes no call; files 0600 in a 0700 directory; --refresh asks again", async () => {
    const first = await json();
    const calls = cpCalls().length;
    expect(calls).toBeGreaterThan(10);
    const second = await json();
    expect(second.rows).toEqual(first.rows);
    expect(cpCalls()).toHaveLength(calls);
    expect(ctx.fake.requests.filter((q) => q.service === "sts")).toHaveLength(1);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(cacheDir())) expect(statSync(join(cacheDir(), f)).mode & 0o777).toBe(0o600);
    expect(readdirSync(cacheDir()).sort()).toEqual(["accounts.json", "lifecycle-us-east-1.json", "models-123456789012-us-east-1.json"]);
    // nothing secret in it
    const all = readdirSync(cacheDir()).map((f) => readFileSync(join(cacheDir(), f), "utf8")).join("");
    expect(all).not.toContain("fake-secret-0001");
    expect(all).not.toContain("AKIDFAKEEXAMPLE0001");
    await json(["--refresh"]);
    expect(cpCalls().length).toBe(2 * calls);
  });

  test("a warm run (answered before the argument parser loads) prints exactly what a full run prints", async () => {
    for (const args of [[], ["--json"], ["--provider", "meta"], ["--json", "--region", "us-east-1", "--provider", "Amazon", "-q"]]) {
      const full = await models([...args, "--refresh"]);
      const n = cpCalls().length;
      const warm = await models(args);
      expect({ args, code: warm.code, stdout: warm.stdout, stderr: warm.stderr }).toEqual({ args, code: 0, stdout: full.stdout, stderr: "" });
      expect(cpCalls().length).toBe(n);
    }
  });

  test("a warm run whose stdout cannot be written (a full disk behind > file): one error line, a hint, exit 9", async () => {
    await json(["--refresh"]);
    const p = Bun.spawn([bin("redux-chat"), "models", "--json"], { env: ctx.env, stdout: Bun.file("/dev/full"), stderr: "pipe", stdin: "ignore" });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    expect(code).toBe(9);
    const lines = stderr.trimEnd().split("\n");
    expect(lines.length).toBe(2);
    expect(lines[0]).toStartWith("error: cannot write to standard output: ");
    expect(lines[0]).toEndWith("(ENOSPC)");
    expect(lines[1]).toStartWith("hint: ");
  });

  test("a damaged or expired cache is rebuilt, never fatal", async () => {
    await json();
    const file = join(cacheDir(), "models-123456789012-us-east-1.json");
    const n = cpCalls().length;
    writeFileSync(file, '{"version":1,"region":"us-east-1","rows":[{"mod');
    const r = await json();
    expect(r.rows).toHaveLength(16);
    expect(cpCalls().length).toBe(2 * n);
    expect(JSON.parse(readFileSync(file, "utf8")).rows).toHaveLength(16);
    const old = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...old, fetched_at: new Date(Date.now() - 25 * 3600_000).toISOString() }));
    await json();
    expect(cpCalls().length).toBe(3 * n);
    writeFileSync(join(cacheDir(), "accounts.json"), "\u0000garbage");
    expect((await json()).rows).toHaveLength(16);
  });

  test("other credentials (another account) do not see this one's cache", async () => {
    await json();
    const n = cpCalls().length;
    ctx.fake.addCredential({ accessKeyId: "AKIDOTHERACCOUNT0001", secretAccessKey: "other-secret-0001" });
    await json([], { AWS_ACCESS_KEY_ID: "AKIDOTHERACCOUNT0001", AWS_SECRET_ACCESS_KEY: "other-secret-0001" });
    expect(cpCalls().length).toBe(2 * n);
  });
});

describe("failures", () => {
  test("a denied list names its IAM action and the other lists still show (exit 0)", async () => {
    ctx.fake.controlPlane.state.denied.add("ListProvisionedModelThroughputs");
    ctx.fake.controlPlane.state.denied.add("GetFoundationModelAvailability");
    const r = await models([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: us-east-1: bedrock:ListProvisionedModelThroughputs: access denied: User: arn:aws:iam::123456789012:user/fake is not authorized to perform: bedrock:ListProvisionedModelThroughputs");
    expect(r.stderr).toContain("bedrock:GetFoundationModelAvailability: access denied");
    const rows = tsvRows(r.stdout);
    expect(rows.some((x) => x.kind === "provisioned")).toBe(false);
    expect(rows.filter((x) => x.kind === "foundation-model")).toHaveLength(8);
    expect(rows.every((x) => x.access === "unknown" || x.kind === "imported" || x.kind === "custom")).toBe(true);
    // the warning stays visible from the cache
    const warm = await models([]);
    expect(warm.stderr).toContain("bedrock:ListProvisionedModelThroughputs: access denied");
    expect(warm.stderr).toContain("(cached; --refresh to ask again)");
  });

  test("every list denied: exit 4 with the IAM actions", async () => {
    for (const op of ["ListFoundationModels", "ListInferenceProfiles", "ListProvisionedModelThroughputs", "ListCustomModels", "ListImportedModels"]) ctx.fake.controlPlane.state.denied.add(op);
    const r = await models([]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("error: no Bedrock list call succeeded in us-east-1");
    expect(r.stderr).toContain("bedrock:ListFoundationModels");
    expect(r.stdout).toBe("");
  });

  test("no credentials: exit 3, and nothing cached", async () => {
    const r = await models([], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: no AWS credentials found/);
    expect(existsSync(join(ctx.home, ".amazon-q", "cache", "accounts.json"))).toBe(false);
  });

  test("a bad region or flag: exit 2; --endpoint-url is the runtime's and not a models flag", async () => {
    expect((await models(["--region", "evil.com#"])).code).toBe(2);
    const r = await models(["--endpoint-url", "http://127.0.0.1:9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option --endpoint-url");
    const none = await models([], { AWS_REGION: undefined });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no region to list");
  });
});

describe("endpoints and networks: the SDK's own settings", () => {
  const noEnvEndpoint = { AWS_ENDPOINT_URL_BEDROCK: undefined };

  test("AWS_ENDPOINT_URL, a profile's endpoint_url and its [services] section reach the control plane", async () => {
    expect((await json([], { ...noEnvEndpoint, AWS_ENDPOINT_URL: ctx.fake.url })).rows).toHaveLength(16);
    mkdirSync(join(ctx.home, ".aws"), { recursive: true });
    writeFileSync(join(ctx.home, ".aws", "config"), `[default]\nendpoint_url = ${ctx.fake.url}\n`);
    expect((await json(["--refresh"], noEnvEndpoint)).rows).toHaveLength(16);
    writeFileSync(join(ctx.home, ".aws", "config"), `[default]\nservices = local\n\n[services local]\nbedrock =\n  endpoint_url = ${ctx.fake.url}\n`);
    expect((await json(["--refresh"], noEnvEndpoint)).rows).toHaveLength(16);
    expect(cpCalls().length).toBeGreaterThan(30);
  });

  test("AWS_CA_BUNDLE (or NODE_EXTRA_CA_CERTS) is trusted by the control plane; an untrusted certificate is exit 5 naming it", async () => {
    const tls = await startTlsFront(ctx.fake.url);
    try {
      const https = { AWS_ENDPOINT_URL_BEDROCK: tls.url };
      const untrusted = await models(["--refresh"], https);
      expect(untrusted.code).toBe(5);
      expect(untrusted.stderr).toContain("AWS_CA_BUNDLE");
      for (const ca of [{ AWS_CA_BUNDLE: tls.caPath }, { NODE_EXTRA_CA_CERTS: tls.caPath }]) {
        expect((await json(["--refresh"], { ...https, ...ca })).rows).toHaveLength(16);
      }
    } finally {
      await tls.close();
    }
  });

  test("HTTP_PROXY carries the control plane (the proxy saw it)", async () => {
    const proxy = await startForwardProxy();
    try {
      const r = await json([], { HTTP_PROXY: proxy.url });
      expect(r.rows).toHaveLength(16);
      expect(proxy.seen.some((s) => s.target.startsWith(`${ctx.fake.url}/foundation-models`))).toBe(true);
      expect(proxy.seen.some((s) => s.target.startsWith(`${ctx.fake.url}/inference-profiles`))).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe("--all-regions", () => {
  test("every listed region in parallel; those that do not answer are named; rows carry their region", async () => {
    const r = await models(["--all-regions", "--json"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, any>[];
    assertValid("models-output.schema.json", rows);
    expect(new Set(rows.map((x) => x.region))).toEqual(new Set(["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]));
    expect(r.stderr).toMatch(/^6 regions answered; no answer from us-west-1, ca-central-1, /m);
    // a profile-only model in Europe is pointed at the EU profile; in Tokyo at APAC's
    const sonnet = (region: string) => rows.find((x) => x.region === region && x.id === "anthropic.claude-3-5-sonnet-20241022-v2:0");
    expect(sonnet("eu-west-1")?.profile).toBe("custom:eu-west-1:eu.anthropic.claude-3-5-sonnet-20241022-v2:0");
    expect(sonnet("ap-northeast-1")?.profile).toBe("custom:ap-northeast-1:apac.anthropic.claude-3-5-sonnet-20241022-v2:0");
    const signed = new Set(cpCalls().map((q) => q.region));
    expect(signed.size).toBeGreaterThan(20);
    // warm: no call at all
    const n = ctx.fake.requests.length;
    const warm = await models(["--all-regions", "--json"]);
    expect(JSON.parse(warm.stdout)).toEqual(rows);
    expect(ctx.fake.requests.length).toBe(n);
  });
});
