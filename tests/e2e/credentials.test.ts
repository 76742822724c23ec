// Every credential source, proven from the compiled binaries: the fake must see Bedrock requests signed with the
// credentials of that source, redux-test-model must name the source, and no output may ever carry a secret.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { startFakeAws, type FakeAws, type FakeCredential } from "../fakes/fake-aws.ts";
import { bin, run, scrubbedEnv, tempHome, FAKE_KEY, type RunResult } from "./harness.ts";
import { assertValid } from "../schema.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let home: string;
let cleanup: () => void;
/** Every secret any scenario hands out; no output of any scenario may contain one. */
const secrets = new Set<string>();
const outputs: string[] = [];

beforeAll(async () => {
  fake = await startFakeAws();
  for (const c of [...Object.values(fake.issued), { secretAccessKey: FAKE_KEY.secret }]) {
    secrets.add(c.secretAccessKey);
    if ("sessionToken" in c && c.sessionToken) secrets.add(c.sessionToken);
  }
  secrets.add(fake.ecsAuthToken);
  secrets.add(fake.ssoAccessToken);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  fake.reset();
});
afterEach(() => cleanup());

/** Only what a scenario sets: no keys, IMDS off (unless the scenario turns it on), endpoints at the fake. */
const baseEnv = (extra: Record<string, string | undefined> = {}) => {
  const env: Record<string, string | undefined> = {
    ...scrubbedEnv(),
    HOME: home,
    NO_COLOR: "1",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url,
    AWS_ENDPOINT_URL_STS: fake.url,
    AWS_ENDPOINT_URL_SSO: fake.url,
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
};

async function both(env: Record<string, string>, extraArgs: string[] = []): Promise<{ chat: RunResult; smoke: RunResult; report: any }> {
  const chat = await run(bin("redux-chat"), ["-m", MODEL, "--no-save", ...extraArgs, "hello"], { env });
  const smoke = await run(bin("redux-test-model"), ["-m", MODEL, "--json", ...extraArgs], { env });
  const debug = await run(bin("redux-test-model"), ["-m", MODEL, "--debug", ...extraArgs], { env });
  outputs.push(chat.stdout, chat.stderr, smoke.stdout, smoke.stderr, debug.stdout, debug.stderr);
  const report = JSON.parse(smoke.stdout);
  assertValid("test-model-output.schema.json", report);
  return { chat, smoke, report };
}

const bedrockKeys = () => fake.requests.filter((r) => r.service === "bedrock").map((r) => r.accessKeyId ?? r.auth);

function writeAws(files: { config?: string; credentials?: string }) {
  mkdirSync(join(home, ".aws"), { recursive: true });
  if (files.config) writeFileSync(join(home, ".aws", "config"), files.config);
  if (files.credentials) writeFileSync(join(home, ".aws", "credentials"), files.credentials);
}

function expectSource(r: Awaited<ReturnType<typeof both>>, source: string, cred: FakeCredential | string) {
  expect({ chat: r.chat.code, chatErr: r.chat.stderr, smoke: r.smoke.code }).toEqual({ chat: 0, chatErr: "", smoke: 0 });
  expect(r.chat.stdout).toBe("Echo: hello\n");
  expect(r.report).toMatchObject({ ok: true, credential_source: source });
  const key = typeof cred === "string" ? cred : cred.accessKeyId;
  if (key !== "bearer") expect(r.report.access_key_id).toBe(`${key.slice(0, 4)}…${key.slice(-4)}`);
  // the one-shot chat and the smoke test's two Converse calls were all signed with this source's credentials
  expect(bedrockKeys()).toEqual([key, key, key]);
  expect(fake.requests.filter((q) => q.service === "bedrock").every((q) => q.verified)).toBe(true);
}

describe("credential sources", () => {
  test("environment keys with a session token and an expiration", async () => {
    const cred = { accessKeyId: "ASIAENVSESSION000001", secretAccessKey: "env-session-secret-1", sessionToken: "env-session-token-abcdefgh" };
    fake.addCredential(cred);
    secrets.add(cred.secretAccessKey).add(cred.sessionToken);
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const r = await both(baseEnv({ AWS_ACCESS_KEY_ID: cred.accessKeyId, AWS_SECRET_ACCESS_KEY: cred.secretAccessKey, AWS_SESSION_TOKEN: cred.sessionToken, AWS_CREDENTIAL_EXPIRATION: expires }));
    expectSource(r, "env", cred);
    expect(r.report.expires_at).toBe(expires);
    expect(r.report.account).toBe("123456789012");
  });

  test("a profile's static keys: --profile, AWS_PROFILE (which beats env keys), custom file locations", async () => {
    const cred = { accessKeyId: "AKIAPROFILESTATIC001", secretAccessKey: "profile-static-secret" };
    fake.addCredential(cred);
    secrets.add(cred.secretAccessKey);
    writeAws({ credentials: `[work]\naws_access_key_id = ${cred.accessKeyId}\naws_secret_access_key = ${cred.secretAccessKey}\n` });
    const named = await both(baseEnv(), ["--profile", "work"]);
    expectSource(named, "profile", cred);
    expect(named.report.credential_label).toBe("profile work");
    fake.reset();
    expectSource(await both(baseEnv({ AWS_PROFILE: "work", AWS_ACCESS_KEY_ID: "AKIDIGNORED000000001", AWS_SECRET_ACCESS_KEY: "ignored-secret" })), "profile", cred);
    fake.reset();
    const alt = join(home, "elsewhere");
    mkdirSync(alt);
    writeFileSync(join(alt, "creds"), `[default]\naws_access_key_id = ${cred.accessKeyId}\naws_secret_access_key = ${cred.secretAccessKey}\n`);
    writeFileSync(join(alt, "config"), "[default]\nregion = us-east-1\n");
    expectSource(await both(baseEnv({ AWS_SHARED_CREDENTIALS_FILE: join(alt, "creds"), AWS_CONFIG_FILE: join(alt, "config") })), "profile", cred);
  });

  test("role_arn + source_profile: STS AssumeRole signed by the source profile", async () => {
    const src = { accessKeyId: "AKIASOURCEPROFILE001", secretAccessKey: "source-profile-secret" };
    fake.addCredential(src);
    secrets.add(src.secretAccessKey);
    writeAws({
      credentials: `[base]\naws_access_key_id = ${src.accessKeyId}\naws_secret_access_key = ${src.secretAccessKey}\n`,
      config: "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\nregion = us-east-1\n",
    });
    const r = await both(baseEnv(), ["--profile", "deploy"]);
    expectSource(r, "assume-role", fake.issued.assumeRole);
    expect(r.report.credential_label).toBe("assume-role (profile deploy)");
    // one exchange per run: the smoke test's STS and Bedrock calls share the provider that won (three runs here)
    const assume = fake.requests.filter((q) => q.operation === "AssumeRole");
    expect(assume.length).toBe(3);
    expect(assume.every((q) => q.accessKeyId === src.accessKeyId && q.verified && q.body.RoleArn === "arn:aws:iam::123456789012:role/deployer")).toBe(true);
  });

  test("credential_process", async () => {
    const cred = { accessKeyId: "AKIAPROCESSCRED00001", secretAccessKey: "process-secret-value" };
    fake.addCredential(cred);
    secrets.add(cred.secretAccessKey);
    const script = join(home, "creds.sh");
    writeFileSync(script, `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"${cred.accessKeyId}","SecretAccessKey":"${cred.secretAccessKey}"}'\n`);
    chmodSync(script, 0o700);
    writeAws({ config: `[default]\ncredential_process = ${script}\n` });
    expectSource(await both(baseEnv()), "process", cred);
  });

  test("SSO (sso_session and the token cache); an expired token says `aws sso login`", async () => {
    writeAws({
      config: "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = us-east-1\n\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
    });
    const cacheDir = join(home, ".aws", "sso", "cache");
    mkdirSync(cacheDir, { recursive: true });
    const cacheFile = join(cacheDir, `${createHash("sha1").update("corp").digest("hex")}.json`);
    const token = (expiresAt: string) => JSON.stringify({ accessToken: fake.ssoAccessToken, expiresAt, region: "us-east-1", startUrl: "https://corp.awsapps.com/start" });
    writeFileSync(cacheFile, token(new Date(Date.now() + 3600_000).toISOString()));
    const r = await both(baseEnv(), ["--profile", "dev"]);
    expectSource(r, "sso", fake.issued.sso);
    expect(r.report.credential_label).toBe("sso (profile dev)");
    expect(fake.requests.some((q) => q.service === "sso" && q.verified)).toBe(true);

    writeFileSync(cacheFile, token(new Date(Date.now() - 3600_000).toISOString()));
    const expired = await run(bin("redux-test-model"), ["-m", MODEL, "--profile", "dev"], { env: baseEnv() });
    outputs.push(expired.stdout, expired.stderr);
    expect(expired.code).toBe(3);
    expect(expired.stdout).toContain("aws sso login --profile dev");
    const chat = await run(bin("redux-chat"), ["-m", MODEL, "--profile", "dev", "hi"], { env: baseEnv() });
    expect(chat.code).toBe(3);
    expect(chat.stderr).toContain("aws sso login --profile dev");
  });

  test("web identity from env: STS AssumeRoleWithWebIdentity", async () => {
    const tokenFile = join(home, "token");
    const webToken = "eyJraWQiOiJmYWtlIn0.fake-web-identity-token.signature";
    secrets.add(webToken);
    writeFileSync(tokenFile, webToken);
    const r = await both(baseEnv({ AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/ci", AWS_ROLE_SESSION_NAME: "ci-run" }));
    expectSource(r, "web-identity", fake.issued.webIdentity);
    expect(fake.requests.some((q) => q.operation === "AssumeRoleWithWebIdentity" && q.body.WebIdentityToken === webToken)).toBe(true);
  });

  test("ECS/EKS container credentials, with the token in env or in a token file", async () => {
    const full = `${fake.url}/ecs/credentials`;
    expectSource(await both(baseEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full, AWS_CONTAINER_AUTHORIZATION_TOKEN: fake.ecsAuthToken })), "container", fake.issued.ecs);
    fake.reset();
    const tokenFile = join(home, "ecs-token");
    writeFileSync(tokenFile, fake.ecsAuthToken);
    expectSource(await both(baseEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile })), "container", fake.issued.ecs);
    expect(fake.requests.filter((q) => q.service === "ecs").every((q) => q.verified)).toBe(true);
  });

  test("EC2 instance metadata (IMDSv2)", async () => {
    const r = await both(baseEnv({ AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url }));
    expectSource(r, "imds", fake.issued.imds);
    expect(fake.requests.some((q) => q.operation === "ImdsToken")).toBe(true);
    expect(fake.requests.filter((q) => q.service === "imds").every((q) => q.verified)).toBe(true);
  });

  test("Bedrock API key (AWS_BEARER_TOKEN_BEDROCK): bearer auth, said so, identity skipped, never stored", async () => {
    const apiKey = "bedrock-api-key-ABSKfakefakefakefake";
    fake.addBearerToken(apiKey);
    secrets.add(apiKey);
    const env = baseEnv({ AWS_BEARER_TOKEN_BEDROCK: apiKey });
    const r = await both(env);
    expect(r.chat.code).toBe(0);
    expect(r.report).toMatchObject({ ok: true, credential_source: "bearer", access_key_id: null });
    expect(r.report.checks.find((c: { name: string }) => c.name === "identity")).toMatchObject({ ok: true, skipped: true, detail: "skipped: STS cannot identify a Bedrock API key" });
    expect(r.report.checks.find((c: { name: string }) => c.name === "credentials").detail).toContain(`**** (${apiKey.length} characters`);
    expect(bedrockKeys()).toEqual(["bearer", "bearer", "bearer"]);
    const saved = await run(bin("redux-chat"), ["-m", MODEL, "keep me"], { env });
    expect(saved.code).toBe(0);
    const files = new Bun.Glob("**/*").scanSync({ cwd: home, dot: true });
    for (const f of files) expect(await Bun.file(join(home, f)).text()).not.toContain(apiKey);
  });

  test("no credentials anywhere: exit 3 within 5 seconds, saying what was looked for", async () => {
    for (const env of [baseEnv(), baseEnv({ AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" })]) {
      const smoke = await run(bin("redux-test-model"), ["-m", MODEL], { env });
      const chat = await run(bin("redux-chat"), ["-m", MODEL, "hi"], { env });
      outputs.push(smoke.stdout, smoke.stderr, chat.stderr);
      for (const r of [smoke, chat]) {
        expect(r.code).toBe(3);
        expect(r.ms).toBeLessThan(5000);
      }
      expect(smoke.stdout).toContain("AWS_ACCESS_KEY_ID");
      expect(smoke.stdout).toContain(join(home, ".aws", "credentials"));
    }
    expect(fake.requests.filter((q) => q.service === "bedrock").length).toBe(0);
  });

  test("--debug says which source won from what the SDK marked on the credentials, and carries the SDK's own account of each link", async () => {
    const r = await run(bin("redux-test-model"), ["-m", MODEL, "--debug", "--no-invoke"], { env: baseEnv({ AWS_ACCESS_KEY_ID: FAKE_KEY.id, AWS_SECRET_ACCESS_KEY: FAKE_KEY.secret }) });
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[debug] sdk debug: @aws-sdk/credential-provider-node - defaultProvider::fromEnv");
    expect(r.stderr).toContain("[debug] credentials: found: env (the SDK marked them CREDENTIALS_ENV_VARS)");
    const none = await run(bin("redux-test-model"), ["-m", MODEL, "--debug"], { env: baseEnv() });
    outputs.push(none.stdout, none.stderr);
    expect(none.code).toBe(3);
    const sdk = none.stderr.split("\n").filter((l) => l.startsWith("[debug] sdk debug: @aws-sdk/credential-provider-node - defaultProvider::")).map((l) => l.split("::")[1]);
    expect(sdk).toEqual(["fromEnv", "fromSSO", "fromIni", "fromProcess", "fromTokenFile", "remoteProvider"]);
    expect(none.stderr).toContain("[debug] sdk debug: @smithy/property-provider -> EC2 Instance Metadata Service access disabled");
    expect(none.stderr).toContain("[debug] credentials: failed: Could not load credentials from any providers");
  });
});

test("no output of any scenario contains a secret key, session token, web identity token or bearer token", () => {
  expect(outputs.length).toBeGreaterThan(30);
  const all = outputs.join("\n");
  for (const s of secrets) expect({ secret: s, found: all.includes(s) }).toEqual({ secret: s, found: false });
});
