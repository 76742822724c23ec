// Every credential source, proven from the compiled binaries: the fake must see Bedrock requests signed with the
// credentials of that source, redux-test-model must name the source, and no output may ever carry a secret.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { startFakeAws, type FakeAws, type FakeCredential } from "../fakes/fake-aws.ts";
import { startConnectProxy } from "../fakes/connect-proxy.ts";
import { startTlsFront } from "../fakes/tls-front.ts";
import { SSO_CLIENT, SSO_REFRESH_TOKEN } from "../fakes/sso-oidc.ts";
import { bin, keylessEnv, run, tempHome, FAKE_KEY, type RunResult } from "./harness.ts";
import { assertValid } from "../schema.ts";
// the AWS CLI's output is not added to `outputs`: export-credentials prints the secret, which is its job (the secrets
// check is about redux)
import { awsCli } from "../helpers/aws-cli.ts";
import { expectNoSecrets, fakeSecrets } from "../helpers/secrets.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let home: string;
let cleanup: () => void;
/** Every secret any scenario hands out; no output of any scenario may contain one. */
let secrets: Set<string>;
const outputs: string[] = [];

beforeAll(async () => {
  fake = await startFakeAws();
  secrets = fakeSecrets(fake);
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
const baseEnv = (extra: Record<string, string | undefined> = {}) => keylessEnv(home, fake.url, extra);

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
      config: "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\nregion = eu-west-1\n",
    });
    const r = await both(baseEnv(), ["--profile", "deploy"]);
    expectSource(r, "assume-role", fake.issued.assumeRole);
    expect(r.report.credential_label).toBe("assume-role (profile deploy)");
    // STS is signed for the profile's region (the SDK's rule), the model's us-east-1 only for Bedrock
    expect(new Set(fake.requests.filter((q) => q.operation === "AssumeRole").map((q) => q.region))).toEqual(new Set(["eu-west-1"]));
    expect(new Set(fake.requests.filter((q) => q.service === "bedrock").map((q) => q.region))).toEqual(new Set(["us-east-1"]));
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

/** The region and access key the fake saw Bedrock requests signed with. */
const bedrockScopes = () => fake.requests.filter((q) => q.service === "bedrock").map((q) => `${q.accessKeyId} ${q.region}`);
const BARE = "anthropic.claude-3-haiku-20240307-v1:0";

describe("~/.aws files read exactly as the SDK reads them (side by side with the AWS CLI v2)", () => {
  const work = { accessKeyId: "AKIAFILESWORK0000001", secretAccessKey: "files-work-secret" };
  beforeAll(() => {
    fake.addCredential(work);
    secrets.add(work.secretAccessKey);
  });
  const smokeJson = async (args: string[], env: Record<string, string>) => {
    const r = await run(bin("redux-test-model"), ["--json", ...args], { env });
    outputs.push(r.stdout, r.stderr);
    const report = JSON.parse(r.stdout);
    assertValid("test-model-output.schema.json", report);
    return { ...r, report };
  };

  test("a comment after a section header, indented settings: the profile is found, as by the CLI", async () => {
    writeAws({
      config: "[profile work]   # production account\n   region = eu-west-1\n   output = json\n",
      credentials: `[work] ; from the vault\n  aws_access_key_id = ${work.accessKeyId}\n  aws_secret_access_key = ${work.secretAccessKey}\n`,
    });
    const env = baseEnv({ AWS_REGION: undefined });
    const s = await smokeJson(["-m", BARE, "--profile", "work"], env);
    expect(s.report).toMatchObject({ ok: true, region: "eu-west-1", credential_source: "profile", credential_label: "profile work" });
    expect(bedrockScopes()).toEqual([`${work.accessKeyId} eu-west-1`]);
    const cli = await awsCli(["configure", "export-credentials", "--profile", "work"], env, home);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).AccessKeyId).toBe(work.accessKeyId);
    expect((await awsCli(["configure", "get", "region", "--profile", "work"], env, home)).stdout.trim()).toBe("eu-west-1");
  });

  test("an inline comment after a value is not part of it (the SDK's rule; the AWS CLI keeps it: a documented difference)", async () => {
    writeAws({
      config: "[profile work]\nregion = eu-west-1 # Ireland\n",
      credentials: `[work]\naws_access_key_id = ${work.accessKeyId}\naws_secret_access_key = ${work.secretAccessKey}\n`,
    });
    const env = baseEnv({ AWS_REGION: undefined });
    const s = await smokeJson(["-m", BARE, "--profile", "work"], env);
    expect(s.report).toMatchObject({ ok: true, region: "eu-west-1", model: `custom:eu-west-1:${BARE}` });
    expect(bedrockScopes()).toEqual([`${work.accessKeyId} eu-west-1`]);
    expect((await awsCli(["configure", "get", "region", "--profile", "work"], env, home)).stdout.trim()).toBe("eu-west-1 # Ireland");
  });

  test("a region in both files: the credentials file's wins, in redux as in the SDK and the CLI", async () => {
    writeAws({
      config: "[profile both]\nregion = eu-west-1\n",
      credentials: `[both]\nregion = ap-southeast-2\naws_access_key_id = ${work.accessKeyId}\naws_secret_access_key = ${work.secretAccessKey}\n`,
    });
    const env = baseEnv({ AWS_REGION: undefined });
    const s = await smokeJson(["-m", BARE, "--profile", "both"], env);
    expect(s.report).toMatchObject({ ok: true, region: "ap-southeast-2" });
    expect(bedrockScopes()).toEqual([`${work.accessKeyId} ap-southeast-2`]);
    expect((await awsCli(["configure", "get", "region", "--profile", "both"], env, home)).stdout.trim()).toBe("ap-southeast-2");
    // redux-chat's bare id too, and what it saved
    const chat = await run(bin("redux-chat"), ["-m", BARE, "--profile", "both", "--json", "hi"], { env });
    expect(chat.code).toBe(0);
    expect(JSON.parse(chat.stdout)).toMatchObject({ region: "ap-southeast-2", model: `custom:ap-southeast-2:${BARE}` });
  });

  test("~/ in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE is the home directory, as for the CLI", async () => {
    mkdirSync(join(home, "alt"));
    writeFileSync(join(home, "alt", "config"), "[profile tilde]\nregion = sa-east-1\n");
    writeFileSync(join(home, "alt", "credentials"), `[tilde]\naws_access_key_id = ${work.accessKeyId}\naws_secret_access_key = ${work.secretAccessKey}\n`);
    const env = baseEnv({ AWS_REGION: undefined, AWS_CONFIG_FILE: "~/alt/config", AWS_SHARED_CREDENTIALS_FILE: "~/alt/credentials" });
    const s = await smokeJson(["-m", BARE, "--profile", "tilde"], env);
    expect(s.report).toMatchObject({ ok: true, region: "sa-east-1", credential_label: "profile tilde" });
    expect(bedrockScopes()).toEqual([`${work.accessKeyId} sa-east-1`]);
    expect((await awsCli(["configure", "get", "region", "--profile", "tilde"], env, home)).stdout.trim()).toBe("sa-east-1");
    expect(JSON.parse((await awsCli(["configure", "export-credentials", "--profile", "tilde"], env, home)).stdout).AccessKeyId).toBe(work.accessKeyId);
  });

  test("the README's deliberate differences from the CLI: AWS_PROFILE beats env keys; AWS_DEFAULT_PROFILE is the CLI's alone", async () => {
    writeAws({ credentials: `[work]\naws_access_key_id = ${work.accessKeyId}\naws_secret_access_key = ${work.secretAccessKey}\n` });
    const both = baseEnv({ AWS_PROFILE: "work", AWS_ACCESS_KEY_ID: FAKE_KEY.id, AWS_SECRET_ACCESS_KEY: FAKE_KEY.secret });
    expect((await smokeJson(["-m", MODEL, "--no-invoke"], both)).report).toMatchObject({ ok: true, credential_label: "profile work", access_key_id: "AKIA…0001" });
    expect(fake.requests.find((q) => q.operation === "GetCallerIdentity")?.accessKeyId).toBe(work.accessKeyId);
    expect(JSON.parse((await awsCli(["configure", "export-credentials"], both, home)).stdout).AccessKeyId).toBe(FAKE_KEY.id);
    const cliOnly = baseEnv({ AWS_DEFAULT_PROFILE: "work" });
    const r = await run(bin("redux-test-model"), ["-m", MODEL], { env: cliOnly });
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("no AWS credentials found");
    expect(JSON.parse((await awsCli(["configure", "export-credentials"], cliOnly, home)).stdout).AccessKeyId).toBe(work.accessKeyId);
  });

  test("--profile nosuch: exit 3, \"profile nosuch does not exist in FILES\", from chat, test-model and batch alike (the CLI: could not be found)", async () => {
    writeAws({ config: "[profile other]\nregion = us-east-1\n" });
    const env = baseEnv();
    const files = `${join(home, ".aws", "config")} or ${join(home, ".aws", "credentials")}`;
    const chat = await run(bin("redux-chat"), ["-m", MODEL, "--profile", "nosuch", "hi"], { env });
    const smoke = await run(bin("redux-test-model"), ["-m", MODEL, "--profile", "nosuch"], { env });
    const batch = await run(bin("redux-chat"), ["batch", "-", "-m", MODEL, "--profile", "nosuch"], { env, stdin: "one\n" });
    const viaEnv = await run(bin("redux-chat"), ["-m", MODEL, "hi"], { env: { ...env, AWS_PROFILE: "nosuch" } });
    outputs.push(chat.stderr, smoke.stdout, batch.stderr, viaEnv.stderr);
    for (const r of [chat, batch, viaEnv]) {
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`error: profile nosuch does not exist in ${files}`);
    }
    expect(smoke.code).toBe(3);
    expect(smoke.stdout).toContain(`profile nosuch does not exist in ${files}`);
    expect(viaEnv.stderr).toContain("AWS_PROFILE");
    expect(fake.requests).toEqual([]);
    const cli = await awsCli(["configure", "export-credentials", "--profile", "nosuch"], env, home);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain("The config profile (nosuch) could not be found");
  });
});

describe("region for a bare model id: the SDK's order, ending at EC2 instance metadata", () => {
  test("no region anywhere else: the instance's region from IMDSv2; unreachable metadata gives up within 5 s (exit 2)", async () => {
    fake.imdsRegion = "eu-central-1";
    try {
      const env = baseEnv({ AWS_REGION: undefined, AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url });
      const r = await run(bin("redux-test-model"), ["-m", BARE, "--json"], { env });
      outputs.push(r.stdout, r.stderr);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ ok: true, region: "eu-central-1", model: `custom:eu-central-1:${BARE}`, credential_source: "imds" });
      expect(bedrockScopes()).toEqual([`${fake.issued.imds.accessKeyId} eu-central-1`]);
      expect(fake.requests.some((q) => q.operation === "ImdsRegion" && q.verified)).toBe(true);
      const chat = await run(bin("redux-chat"), ["-m", BARE, "--json", "hi"], { env });
      expect(JSON.parse(chat.stdout)).toMatchObject({ region: "eu-central-1" });
    } finally {
      fake.imdsRegion = "us-east-1";
    }
    const closed = baseEnv({ AWS_REGION: undefined, AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" });
    const none = await run(bin("redux-chat"), ["-m", BARE, "hi"], { env: closed });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("has no region");
    expect(none.ms).toBeLessThan(5000);
  });
});

describe("profile kinds the SDK resolves, found without redux knowing them", () => {
  const ssoCache = (key: string, expiresAt: string) => {
    const dir = join(home, ".aws", "sso", "cache");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${createHash("sha1").update(key).digest("hex")}.json`), JSON.stringify({ accessToken: fake.ssoAccessToken, expiresAt, region: "eu-central-1", startUrl: "https://corp.awsapps.com/start" }));
  };

  test("SSO: the portal is called in the profile's sso_region (eu-central-1), not the model's (us-east-1), through the proxy and CA bundle", async () => {
    const portal = "portal.sso.eu-central-1.amazonaws.com";
    const tls = await startTlsFront(fake.url, { names: [portal, "portal.sso.us-east-1.amazonaws.com"] });
    const tlsPort = Number(new URL(tls.url).port);
    // a corporate proxy: every CONNECT to an AWS host reaches the fake's TLS front, and the proxy records which host
    const proxy = await startConnectProxy({ route: (host) => (host.endsWith(".amazonaws.com") ? { host: "127.0.0.1", port: tlsPort } : undefined) });
    try {
      writeAws({
        config: "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = us-east-1\n\n[sso-session corp]\nsso_region = eu-central-1\nsso_start_url = https://corp.awsapps.com/start\n",
      });
      ssoCache("corp", new Date(Date.now() + 3600_000).toISOString());
      const env = baseEnv({ AWS_ENDPOINT_URL_SSO: undefined, HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: tls.caPath });
      const r = await both(env, ["--profile", "dev"]);
      expectSource(r, "sso", fake.issued.sso);
      expect(r.report.region).toBe("us-east-1");
      // one SSO call per run (three runs), each to the portal of sso_region, through the proxy, trusted by the bundle
      expect(proxy.seen.filter((p) => p.target.startsWith("portal.")).map((p) => `${p.method} ${p.target} ${p.status}`)).toEqual(Array(3).fill(`CONNECT ${portal}:443 200`));
      // (redux-chat may also ask the control plane for the model's lifecycle, through the same proxy)
      expect(proxy.seen.every((p) => p.target.startsWith("portal.") || p.target === "bedrock.us-east-1.amazonaws.com:443")).toBe(true);
      const sso = fake.requests.filter((q) => q.service === "sso");
      expect(sso.map((q) => `${q.headers.host} ${q.verified}`)).toEqual(Array(3).fill(`${portal} true`));
    } finally {
      await proxy.close();
      await tls.close();
    }
  });

  test("SSO token refresh: SSO-OIDC is called in sso_region through the proxy, then the portal, with the refreshed token", async () => {
    const oidc = "oidc.eu-central-1.amazonaws.com";
    const portal = "portal.sso.eu-central-1.amazonaws.com";
    const tls = await startTlsFront(fake.url, { names: [oidc, portal] });
    const tlsPort = Number(new URL(tls.url).port);
    const proxy = await startConnectProxy({ route: (host) => (host.endsWith(".amazonaws.com") ? { host: "127.0.0.1", port: tlsPort } : undefined) });
    secrets.add(SSO_CLIENT.clientSecret).add(SSO_REFRESH_TOKEN);
    try {
      writeAws({
        config: "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\n\n[sso-session corp]\nsso_region = eu-central-1\nsso_start_url = https://corp.awsapps.com/start\n",
      });
      const dir = join(home, ".aws", "sso", "cache");
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${createHash("sha1").update("corp").digest("hex")}.json`);
      // an access token the portal no longer accepts, two minutes from expiry: the SDK must refresh it first
      writeFileSync(file, JSON.stringify({ accessToken: "stale-sso-access-token", expiresAt: new Date(Date.now() + 120_000).toISOString(), refreshToken: SSO_REFRESH_TOKEN, ...SSO_CLIENT, region: "eu-central-1", startUrl: "https://corp.awsapps.com/start" }));
      const env = baseEnv({ AWS_ENDPOINT_URL_SSO: undefined, HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: tls.caPath });
      const r = await run(bin("redux-test-model"), ["-m", MODEL, "--json", "--profile", "dev"], { env });
      outputs.push(r.stdout, r.stderr);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, credential_source: "sso", region: "us-east-1" });
      expect(proxy.seen.map((p) => `${p.method} ${p.target} ${p.status}`)).toEqual([`CONNECT ${oidc}:443 200`, `CONNECT ${portal}:443 200`]);
      expect(fake.requests.filter((q) => q.service.startsWith("sso")).map((q) => `${q.operation} ${q.headers.host} ${q.status}`)).toEqual([`CreateToken ${oidc} 200`, `GetRoleCredentials ${portal} 200`]);
    } finally {
      await proxy.close();
      await tls.close();
    }
  });

  test("SSO recognised by any sso_* key: a legacy sso_start_url profile works; one with only some sso_* keys says what is missing", async () => {
    writeAws({
      config: [
        "[profile legacy]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Developer\n",
        "[profile partial]\nsso_account_id = 123456789012\nsso_role_name = Developer\n",
      ].join("\n"),
    });
    ssoCache("https://corp.awsapps.com/start", new Date(Date.now() + 3600_000).toISOString());
    const r = await both(baseEnv(), ["--profile", "legacy"]);
    expectSource(r, "sso", fake.issued.sso);
    expect(r.report.credential_label).toBe("sso (profile legacy)");
    const partial = await run(bin("redux-chat"), ["-m", MODEL, "--profile", "partial", "hi"], { env: baseEnv() });
    outputs.push(partial.stderr);
    expect(partial.code).toBe(3);
    expect(partial.stderr).toContain("error: the SSO settings of profile partial are incomplete: Profile is configured with invalid SSO credentials");
    expect(partial.stderr).toContain("hint: run: aws configure sso --profile partial");
  });

  test("login_session (aws login): the SDK's login provider signs; an expired session says `aws login`", async () => {
    const cred = { accessKeyId: "ASIALOGINSESSION0001", secretAccessKey: "login-session-secret", sessionToken: "login-session-token-abcdefgh" };
    fake.addCredential(cred);
    secrets.add(cred.secretAccessKey).add(cred.sessionToken);
    const session = "arn:aws:iam::123456789012:user/me";
    writeAws({ config: `[profile console]\nlogin_session = ${session}\nregion = us-east-1\n` });
    const dir = join(home, ".aws", "login", "cache");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${createHash("sha256").update(session).digest("hex")}.json`);
    const token = (expiresAt: string) =>
      JSON.stringify({ accessToken: { ...cred, accountId: "123456789012", expiresAt }, clientId: "arn:aws:signin:::devtools/same-device", refreshToken: "fake-refresh-token", dpopKey: "not-a-key" });
    writeFileSync(file, token(new Date(Date.now() + 3600_000).toISOString()));
    const r = await both(baseEnv(), ["--profile", "console"]);
    expectSource(r, "login", cred);
    expect(r.report.credential_label).toBe("login (profile console)");
    writeFileSync(file, token(new Date(Date.now() - 60_000).toISOString()));
    const expired = await run(bin("redux-chat"), ["-m", MODEL, "--profile", "console", "hi"], { env: baseEnv({ AWS_ENDPOINT_URL_SIGNIN: "http://127.0.0.1:9" }) });
    outputs.push(expired.stderr);
    expect(expired.code).toBe(3);
    expect(expired.stderr).toContain("hint: run: aws login --profile console");
  });
});

describe("an empty AWS_BEARER_TOKEN_BEDROCK= is ignored as if unset, alike in redux-chat, redux-test-model and batch", () => {
  test("with env keys: SigV4 with the keys, and --debug says the empty variable was ignored", async () => {
    const env = baseEnv({ AWS_BEARER_TOKEN_BEDROCK: "", AWS_ACCESS_KEY_ID: FAKE_KEY.id, AWS_SECRET_ACCESS_KEY: FAKE_KEY.secret });
    const note = "[debug] credentials: AWS_BEARER_TOKEN_BEDROCK is set but empty: ignored, as if it were unset";
    const chat = await run(bin("redux-chat"), ["-m", MODEL, "--no-save", "--debug", "hello"], { env });
    const smoke = await run(bin("redux-test-model"), ["-m", MODEL, "--json", "--debug"], { env });
    const batch = await run(bin("redux-chat"), ["batch", "-", "-m", MODEL, "--debug"], { env, stdin: "one\ntwo\n" });
    outputs.push(chat.stdout, chat.stderr, smoke.stdout, smoke.stderr, batch.stdout, batch.stderr);
    expect({ chat: chat.code, smoke: smoke.code, batch: batch.code }).toEqual({ chat: 0, smoke: 0, batch: 0 });
    expect(chat.stdout).toBe("Echo: hello\n");
    expect(JSON.parse(smoke.stdout)).toMatchObject({ ok: true, credential_source: "env" });
    expect(batch.stdout.trim().split("\n").map((l) => JSON.parse(l).status)).toEqual(["ok", "ok"]);
    for (const r of [chat, smoke, batch]) expect(r.stderr).toContain(note);
    const bedrock = fake.requests.filter((q) => q.service === "bedrock");
    expect(bedrock.length).toBe(4);
    expect(bedrock.every((q) => q.auth === "sigv4" && q.accessKeyId === FAKE_KEY.id && q.verified)).toBe(true);
  });

  test("with nothing else: exit 3 \"no AWS credentials found\" from all three, never an internal error", async () => {
    const env = baseEnv({ AWS_BEARER_TOKEN_BEDROCK: "" });
    const chat = await run(bin("redux-chat"), ["-m", MODEL, "hi"], { env });
    const smoke = await run(bin("redux-test-model"), ["-m", MODEL], { env });
    const batch = await run(bin("redux-chat"), ["batch", "-", "-m", MODEL], { env, stdin: "one\n" });
    outputs.push(chat.stderr, smoke.stdout, batch.stderr);
    expect({ chat: chat.code, smoke: smoke.code, batch: batch.code }).toEqual({ chat: 3, smoke: 3, batch: 3 });
    for (const t of [chat.stderr, smoke.stdout, batch.stderr]) expect(t).toContain("no AWS credentials found");
    expect(fake.requests).toEqual([]);
  });
});

test("no output of any scenario contains a secret key, session token, web identity token or bearer token", () => {
  expectNoSecrets(outputs, secrets, 30);
});
