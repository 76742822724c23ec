// `ca_bundle` in ~/.aws/config, from the compiled binaries: the selected profile's CA bundle is trusted by every HTTPS
// path that trusts AWS_CA_BUNDLE (the runtime, the control plane, STS and SSO credential calls, price downloads),
// AWS_CA_BUNDLE wins over it, and each case is run side by side with Debian's AWS CLI v2 on the same files.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeAws, type FakeAws } from "../fakes/fake-aws.ts";
import { startTlsFront, type TlsFront } from "../fakes/tls-front.ts";
import { bin, keylessEnv, run, tempHome, FAKE_KEY, type RunResult } from "./harness.ts";
import { awsCli } from "../helpers/aws-cli.ts";
import { readBatchOut } from "../helpers/batch-files.ts";
import { assertValid } from "../schema.ts";
import { expectNoSecrets, fakeSecrets } from "../helpers/secrets.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
/** The fake behind TLS, and a second front whose CA is "another CA": trusted by nothing here. */
let tls: TlsFront;
let other: TlsFront;
let home: string;
let cleanup: () => void;
const outputs: string[] = [];
let secrets: Set<string>;

beforeAll(async () => {
  fake = await startFakeAws();
  [tls, other] = await Promise.all([startTlsFront(fake.url), startTlsFront(fake.url)]);
  secrets = fakeSecrets(fake);
});
afterAll(async () => {
  await Promise.all([tls.close(), other.close()]);
  await fake.close();
});
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  fake.reset();
});
afterEach(() => cleanup());

const KEYS = `aws_access_key_id = ${FAKE_KEY.id}\naws_secret_access_key = ${FAKE_KEY.secret}\n`;

/** ~/.aws/config with these profiles (`default` as [default]), and keys for each in ~/.aws/credentials. */
function writeProfiles(profiles: Record<string, string>) {
  mkdirSync(join(home, ".aws"), { recursive: true });
  const section = (name: string) => (name === "default" ? "[default]" : `[profile ${name}]`);
  writeFileSync(join(home, ".aws", "config"), Object.entries(profiles).map(([name, body]) => `${section(name)}\nregion = us-east-1\n${body}`).join("\n"));
  writeFileSync(join(home, ".aws", "credentials"), Object.keys(profiles).map((name) => `[${name}]\n${KEYS}`).join("\n"));
}

/** Every AWS service the binaries call, at the TLS front; credentials only from the profile. */
const envWith = (extra: Record<string, string | undefined> = {}) =>
  keylessEnv(home, fake.url, { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: tls.url, AWS_ENDPOINT_URL_BEDROCK: tls.url, AWS_ENDPOINT_URL_STS: tls.url, AWS_ENDPOINT_URL_SSO: tls.url, ...extra });

async function go(args: string[], env: Record<string, string>, name: "redux-chat" | "redux-test-model" = "redux-chat"): Promise<RunResult> {
  const r = await run(bin(name), args, { env, timeoutMs: 20_000 });
  outputs.push(r.stdout, r.stderr);
  return r;
}
const chat = (env: Record<string, string>, extra: string[] = []) => go(["-m", MODEL, "--no-save", ...extra, "hello"], env);
const ok = { code: 0, out: "Echo: hello\n", err: "" };
const seen = (r: RunResult) => ({ code: r.code, out: r.stdout, err: r.stderr });

/** A string that starts with `prefix` (inside toEqual). */
const startingWith = (prefix: string) => expect.stringMatching(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));

/** Exit 5 for a certificate not trusted, with the hint naming both places a bundle can come from (in `config`). */
function expectUntrusted(r: RunResult, config = "~/.aws/config") {
  expect(r.code).toBe(5);
  expect(r.stderr).toMatch(/^error: (.*: )?TLS: the server's certificate is not trusted/m);
  expect(r.stderr).toContain(`hint: behind a TLS-inspecting proxy, point AWS_CA_BUNDLE or the profile's ca_bundle setting in ${config} (or NODE_EXTRA_CA_CERTS)`);
}

describe("ca_bundle in the profile in use", () => {
  test("a one-shot chat trusts it (--profile and AWS_PROFILE); without it, exit 5 naming both settings; another profile's is not used", async () => {
    writeProfiles({ default: "", corp: `ca_bundle = ${tls.caPath}\n`, other: "" });
    expect(seen(await chat(envWith(), ["--profile", "corp"]))).toEqual(ok);
    expect(seen(await chat(envWith({ AWS_PROFILE: "corp" })))).toEqual(ok);
    expect(fake.requests.filter((q) => q.operation === "ConverseStream").map((q) => `${q.accessKeyId} ${q.verified}`)).toEqual(Array(2).fill(`${FAKE_KEY.id} true`));
    expectUntrusted(await chat(envWith(), ["--profile", "other"]));
    expectUntrusted(await chat(envWith()));
    expectUntrusted(await chat(envWith({ AWS_PROFILE: "corp" }), ["--profile", "other"]));
  });

  test("AWS_CA_BUNDLE wins over it, as in the AWS CLI: another CA there fails even with the profile's right one", async () => {
    writeProfiles({ corp: `ca_bundle = ${tls.caPath}\n`, broken: `ca_bundle = ${join(home, "missing.pem")}\n` });
    // the hint says so: the profile's bundle is not what failed
    const wrong = await chat(envWith({ AWS_CA_BUNDLE: other.caPath }), ["--profile", "corp"]);
    expect({ code: wrong.code, lines: wrong.stderr.trimEnd().split("\n") }).toEqual({
      code: 5,
      lines: [
        expect.stringMatching(/^error: TLS: the server's certificate is not trusted \(/),
        `hint: the CA bundle in AWS_CA_BUNDLE (${other.caPath}) does not trust this server: point AWS_CA_BUNDLE at your organisation's CA bundle (while it is set, the profile's ca_bundle is not read)`,
      ],
    });
    // the right one in AWS_CA_BUNDLE: the profile's (a missing file) is never read
    expect(seen(await chat(envWith({ AWS_CA_BUNDLE: tls.caPath }), ["--profile", "broken"]))).toEqual(ok);
    // an empty AWS_CA_BUNDLE is unset: the profile's applies (the CLI would turn certificate checks off)
    expect(seen(await chat(envWith({ AWS_CA_BUNDLE: "" }), ["--profile", "corp"]))).toEqual(ok);
  });

  test("AWS_CONFIG_FILE elsewhere: its profile's ca_bundle is trusted, ~/.aws/config's is not read, and the hint names that file", async () => {
    writeProfiles({ corp: `ca_bundle = ${other.caPath}\n` });
    const config = join(home, "etc", "aws-config");
    mkdirSync(join(home, "etc"));
    writeFileSync(config, `[profile corp]\nregion = us-east-1\nca_bundle = ${tls.caPath}\n\n[profile plain]\nregion = us-east-1\n`);
    writeFileSync(join(home, ".aws", "credentials"), `[corp]\n${KEYS}\n[plain]\n${KEYS}`);
    expect(seen(await chat(envWith({ AWS_CONFIG_FILE: config }), ["--profile", "corp"]))).toEqual(ok);
    expectUntrusted(await chat(envWith({ AWS_CONFIG_FILE: config }), ["--profile", "plain"]), config);
  });

  test("~ is the home directory, a relative path is from the working directory, as in the AWS CLI", async () => {
    mkdirSync(join(home, "certs"));
    copyFileSync(tls.caPath, join(home, "certs", "corp.pem"));
    writeProfiles({ tilde: "ca_bundle = ~/certs/corp.pem\n", relative: "ca_bundle = certs/corp.pem\n" });
    expect(seen(await chat(envWith(), ["--profile", "tilde"]))).toEqual(ok);
    expect(seen(await chat(envWith(), ["--profile", "relative"]))).toEqual(ok);
    const elsewhere = await run(bin("redux-chat"), ["-m", MODEL, "--no-save", "--profile", "relative", "hello"], { env: envWith(), cwd: join(home, ".aws") });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`(${join(home, ".aws", "certs", "corp.pem")}): ENOENT`);
  });

  test("an unreadable or empty ca_bundle: exit 2, one line naming the profile and the file, and a hint; no request sent", async () => {
    writeFileSync(join(home, "empty.pem"), "");
    writeProfiles({ corp: `ca_bundle = ${join(home, "missing.pem")}\n`, empty: "ca_bundle = ~/empty.pem\n" });
    const config = join(home, ".aws", "config");
    const missing = await chat(envWith(), ["--profile", "corp"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^error: cannot read the CA bundle named by ca_bundle in profile 'corp' of ${config} \\(${home}/missing\\.pem\\): ENOENT`)),
      `hint: point ca_bundle in [profile corp] of ${config} at a readable PEM file of your CAs, or remove it`,
    ]);
    const empty = await chat(envWith({ AWS_PROFILE: "empty" }));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toStartWith(`error: the CA bundle named by ca_bundle in profile 'empty' of ${config} (${home}/empty.pem) holds no PEM certificate\nhint: `);
    expect(fake.requests).toEqual([]);
  });
});

/** A certificate block whose base64 is not a certificate, as a bad copy or a truncated download leaves one. */
const DAMAGED = "-----BEGIN CERTIFICATE-----\nMIIBnotreally\n-----END CERTIFICATE-----\n";

describe("a damaged ca_bundle is exit 2 before any request, naming where its path came from", () => {
  test("a damaged certificate between the markers, even after a good one (not exit 1 'Invalid CA' at the connection)", async () => {
    const good = readFileSync(tls.caPath, "utf8");
    writeFileSync(join(home, "corp.pem"), good + DAMAGED);
    writeProfiles({ corp: "ca_bundle = ~/corp.pem\n" });
    const config = join(home, ".aws", "config");
    const r = await chat(envWith(), ["--profile", "corp"]);
    expect({ code: r.code, lines: r.stderr.trimEnd().split("\n") }).toEqual({
      code: 2,
      lines: [
        expect.stringMatching(new RegExp(`^error: the CA bundle named by ca_bundle in profile 'corp' of ${config} \\(${home}/corp\\.pem\\) holds a damaged certificate at line ${good.split("\n").length} \\(\\w+`)),
        `hint: point ca_bundle in [profile corp] of ${config} at a readable PEM file of your CAs, or remove it`,
      ],
    });
    // the same from AWS_CA_BUNDLE, named as such
    writeFileSync(join(home, "env.pem"), DAMAGED);
    const env = await chat(envWith({ AWS_CA_BUNDLE: "~/env.pem" }), ["--profile", "corp"]);
    expect({ code: env.code, lines: env.stderr.trimEnd().split("\n") }).toEqual({
      code: 2,
      lines: [expect.stringMatching(new RegExp(`^error: the CA bundle in AWS_CA_BUNDLE \\(${home}/env\\.pem\\) holds a damaged certificate at line 1 \\(\\w+`)), "hint: point AWS_CA_BUNDLE at a readable PEM file of your CAs, or unset it"],
    });
    expect(fake.requests).toEqual([]);
  });

  test("a PEM whose line breaks were lost: exit 2 saying so (not exit 5 'not trusted' with a hint to set what is set)", async () => {
    writeFileSync(join(home, "corp.pem"), readFileSync(tls.caPath, "utf8").replace(/\n/g, " "));
    writeProfiles({ corp: "ca_bundle = ~/corp.pem\n" });
    const r = await chat(envWith({ AWS_PROFILE: "corp" }));
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith(`error: the CA bundle named by ca_bundle in profile 'corp' of ${join(home, ".aws", "config")} (${home}/corp.pem) holds no PEM certificate: its -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- markers must each start a line (were its line breaks lost?)\nhint: point ca_bundle in [profile corp] of `);
    expect(fake.requests).toEqual([]);
  });
});

describe("every HTTPS path that trusts AWS_CA_BUNDLE trusts the profile's ca_bundle", () => {
  test("the control plane: redux-chat models", async () => {
    writeProfiles({ corp: `ca_bundle = ${tls.caPath}\n`, other: "" });
    const r = await go(["models", "--refresh", "--json", "--profile", "corp"], envWith());
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    assertValid("models-output.schema.json", rows);
    expect(rows).toHaveLength(16);
    expect(fake.requests.some((q) => q.service === "bedrock-control")).toBe(true);
    expectUntrusted(await go(["models", "--refresh", "--json", "--profile", "other"], envWith()));
  });

  test("STS: redux-test-model's identity check, and AssumeRole for a role profile (the profile in use's bundle)", async () => {
    writeProfiles({ corp: `ca_bundle = ${tls.caPath}\n` });
    const smoke = await go(["-m", MODEL, "--json", "--profile", "corp"], envWith(), "redux-test-model");
    expect(JSON.parse(smoke.stdout)).toMatchObject({ ok: true, credential_source: "profile" });
    writeFileSync(join(home, ".aws", "config"), `[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\nca_bundle = ${tls.caPath}\n`);
    writeFileSync(join(home, ".aws", "credentials"), `[base]\n${KEYS}`);
    fake.reset();
    expect(seen(await chat(envWith(), ["--profile", "deploy"]))).toEqual(ok);
    // (and the one-shot's lifecycle lookup on the control plane, through the same bundle)
    // the credentials first; then the lifecycle lookup and the answer, side by side (in either order)
    const calls = fake.requests.map((q) => `${q.operation} ${q.accessKeyId} ${q.verified}`);
    expect([calls[0], calls.slice(1).sort()]).toEqual([`AssumeRole ${FAKE_KEY.id} true`, [`ConverseStream ${fake.issued.assumeRole.accessKeyId} true`, `GetFoundationModel ${fake.issued.assumeRole.accessKeyId} true`]]);
  });

  test("a role profile's source_profile's ca_bundle is not used (the AWS CLI reads ca_bundle from the profile in use only): exit 5 at AssumeRole", async () => {
    mkdirSync(join(home, ".aws"), { recursive: true });
    writeFileSync(join(home, ".aws", "config"), `[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n\n[profile base]\nregion = us-east-1\nca_bundle = ${tls.caPath}\n`);
    writeFileSync(join(home, ".aws", "credentials"), `[base]\n${KEYS}`);
    // base itself trusts its bundle
    expect(seen(await chat(envWith(), ["--profile", "base"]))).toEqual(ok);
    fake.reset();
    // nothing reached the fake: the first call, AssumeRole, failed the handshake
    expectUntrusted(await chat(envWith(), ["--profile", "deploy"]));
    expect(fake.requests).toEqual([]);
  });

  test("batch over the runtime: the profile's bundle is trusted by every item; another profile's items fail with the TLS line", async () => {
    writeProfiles({ corp: `ca_bundle = ${tls.caPath}\n`, other: "" });
    writeFileSync(join(home, "in.txt"), "hello\nhello again\n");
    const batch = (profile: string) => go(["batch", join(home, "in.txt"), "-o", join(home, `out-${profile}.jsonl`), "-m", MODEL, "--profile", profile, "--max-attempts", "1", "-q"], envWith());
    const lines = (profile: string) => readBatchOut(join(home, `out-${profile}.jsonl`)).sort((a, b) => a.id.localeCompare(b.id));
    const good = await batch("corp");
    expect({ code: good.code, err: good.stderr }).toEqual({ code: 0, err: "" });
    expect(lines("corp").map((l) => [l.id, l.status, l.text])).toEqual([["1", "ok", "Echo: hello"], ["2", "ok", "Echo: hello again"]]);
    const bad = await batch("other");
    expect(bad.stderr).toStartWith("error: 2 items failed\n");
    expect(bad.code).toBe(7);
    expect(lines("other").map((l) => [l.id, l.status, l.error.class, l.error.message])).toEqual([
      ["1", "error", "unavailable", expect.stringMatching(/^TLS: the server's certificate is not trusted \(/)],
      ["2", "error", "unavailable", expect.stringMatching(/^TLS: the server's certificate is not trusted \(/)],
    ]);
  });

  test("SSO: the portal call of an SSO profile", async () => {
    mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
    writeFileSync(join(home, ".aws", "config"), `[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = us-east-1\nca_bundle = ${tls.caPath}\n\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n`);
    writeFileSync(join(home, ".aws", "sso", "cache", `${createHash("sha1").update("corp").digest("hex")}.json`), JSON.stringify({ accessToken: fake.ssoAccessToken, expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
    expect(seen(await chat(envWith(), ["--profile", "dev"]))).toEqual(ok);
    // the credentials first; then the lifecycle lookup and the answer, side by side (in either order)
    const calls = fake.requests.map((q) => `${q.service} ${q.operation} ${q.verified}`);
    expect([calls[0], calls.slice(1).sort()]).toEqual(["sso GetRoleCredentials true", ["bedrock ConverseStream true", "bedrock-control GetFoundationModel true"]]);
  });

  test("price downloads: prices --refresh from an HTTPS mirror (the profile from AWS_PROFILE); untrusted, the same line and hint as the AWS calls, and the prices kept", async () => {
    writeProfiles({ corp: `ca_bundle = ${tls.caPath}\n`, other: "" });
    const args = ["prices", "--refresh", "--source", tls.url, "--region", "us-east-1"];
    const untrusted = await go(args, envWith({ AWS_PROFILE: "other" }));
    expectUntrusted(untrusted);
    expect(untrusted.stderr.trimEnd().split("\n")).toEqual([
      startingWith(`error: cannot download ${tls.url}/offers/v1.0/aws/AmazonBedrock/current/region_index.json: TLS: the server's certificate is not trusted (`),
      "hint: behind a TLS-inspecting proxy, point AWS_CA_BUNDLE or the profile's ca_bundle setting in ~/.aws/config (or NODE_EXTRA_CA_CERTS) at your organisation's CA bundle; the previous prices were kept",
    ]);
    expect(existsSync(join(home, ".amazon-q", "prices.json"))).toBe(false);
    expect((await go(args, envWith({ AWS_PROFILE: "corp" }))).code).toBe(0);
    expect(existsSync(join(home, ".amazon-q", "prices.json"))).toBe(true);
  });
});

describe("side by side with the AWS CLI v2: the same files, the same trust", () => {
  /** The CLI's STS call and redux's (redux-test-model: STS, then Bedrock) against the same TLS front, in HOME. */
  async function both(extra: Record<string, string | undefined>, cwd = home) {
    const env = envWith(extra);
    const cli = await awsCli(["sts", "get-caller-identity", "--endpoint-url", tls.url, "--query", "Account", "--output", "text"], env, cwd);
    const redux = await run(bin("redux-test-model"), ["-m", MODEL, "--json"], { env, cwd, timeoutMs: 20_000 });
    outputs.push(redux.stdout, redux.stderr);
    return { cli, redux, trusted: { cli: cli.code === 0 && cli.stdout.trim() === "123456789012", redux: redux.code === 0 } };
  }

  test("both trust the profile's ca_bundle (absolute, ~/, relative to the working directory) and AWS_CA_BUNDLE (~/ too); both reject without one", async () => {
    mkdirSync(join(home, "certs"));
    copyFileSync(tls.caPath, join(home, "certs", "corp.pem"));
    writeProfiles({ default: "", abs: `ca_bundle = ${tls.caPath}\n`, tilde: "ca_bundle = ~/certs/corp.pem\n", relative: "ca_bundle = certs/corp.pem\n" });
    for (const profile of ["abs", "tilde", "relative"]) {
      expect({ profile, ...(await both({ AWS_PROFILE: profile })).trusted }).toEqual({ profile, cli: true, redux: true });
    }
    expect((await both({ AWS_CA_BUNDLE: "~/certs/corp.pem" })).trusted).toEqual({ cli: true, redux: true });
    const none = await both({});
    expect(none.trusted).toEqual({ cli: false, redux: false });
    expect(none.cli.stderr).toContain("CERTIFICATE_VERIFY_FAILED");
    expect(none.redux.code).toBe(5);
  }, 60_000);

  test("AWS_CA_BUNDLE wins over the profile's ca_bundle in both (another CA fails, the right one passes over a missing file); the credentials file's wins over the config file's", async () => {
    writeProfiles({ corp: `ca_bundle = ${tls.caPath}\n`, broken: `ca_bundle = ${join(home, "missing.pem")}\n` });
    const wrong = await both({ AWS_PROFILE: "corp", AWS_CA_BUNDLE: other.caPath });
    expect(wrong.trusted).toEqual({ cli: false, redux: false });
    expect(wrong.cli.stderr).toContain("CERTIFICATE_VERIFY_FAILED");
    expect(wrong.redux.code).toBe(5);
    expect((await both({ AWS_PROFILE: "broken", AWS_CA_BUNDLE: tls.caPath })).trusted).toEqual({ cli: true, redux: true });
    // in both files: the credentials file's wins, in both
    writeFileSync(join(home, ".aws", "config"), `[profile split]\nregion = us-east-1\nca_bundle = ${other.caPath}\n`);
    writeFileSync(join(home, ".aws", "credentials"), `[split]\n${KEYS}ca_bundle = ${tls.caPath}\n`);
    expect((await both({ AWS_PROFILE: "split" })).trusted).toEqual({ cli: true, redux: true });
  }, 60_000);

  test("a missing ca_bundle file: both refuse (the CLI's exit 255, redux's exit 2 with where the path came from)", async () => {
    writeProfiles({ corp: `ca_bundle = ${join(home, "missing.pem")}\n` });
    const r = await both({ AWS_PROFILE: "corp" });
    expect(r.trusted).toEqual({ cli: false, redux: false });
    expect(r.cli.stderr).toContain("No such file or directory");
    expect(r.redux.code).toBe(2);
    expect(JSON.parse(r.redux.stdout)).toMatchObject({ ok: false });
    expect(r.redux.stdout).toContain("ca_bundle in profile 'corp'");
  }, 60_000);

  test("a bundle with one damaged or unfinished certificate among good ones: both refuse it whole (the CLI's 'PEM lib', exit 255); text that is not a certificate block is passed over by both", async () => {
    const good = readFileSync(tls.caPath, "utf8");
    writeFileSync(join(home, "after.pem"), good + DAMAGED);
    writeFileSync(join(home, "before.pem"), DAMAGED + good);
    writeFileSync(join(home, "unfinished.pem"), `${good}-----BEGIN CERTIFICATE-----\nMIIB\n`);
    // another CA's certificate run together on one line, after the right one: not a block, to OpenSSL or to redux
    writeFileSync(join(home, "junk.pem"), `${good}${readFileSync(other.caPath, "utf8").replace(/\n/g, " ")}\n`);
    writeProfiles({ after: "ca_bundle = ~/after.pem\n", before: "ca_bundle = ~/before.pem\n", unfinished: "ca_bundle = ~/unfinished.pem\n", junk: "ca_bundle = ~/junk.pem\n" });
    for (const profile of ["after", "before", "unfinished"]) {
      const r = await both({ AWS_PROFILE: profile });
      expect({ profile, ...r.trusted }).toEqual({ profile, cli: false, redux: false });
      expect(r.cli.code).toBe(255);
      expect(r.cli.stderr).toContain("PEM lib");
      expect(r.redux.code).toBe(2);
      expect(r.redux.stdout).toContain(`ca_bundle in profile '${profile}'`);
    }
    expect((await both({ AWS_PROFILE: "junk" })).trusted).toEqual({ cli: true, redux: true });
  }, 60_000);

  test("the README's deliberate differences: an empty value never turns certificate checks off; an inline comment is not part of the path", async () => {
    writeProfiles({ default: "", corp: `ca_bundle = ${tls.caPath}\n`, blank: "ca_bundle =\n", commented: `ca_bundle = ${tls.caPath} # corp CA\n` });
    // the CLI: an empty AWS_CA_BUNDLE or ca_bundle turns verification off (urllib3's InsecureRequestWarning)
    const emptyEnv = await both({ AWS_PROFILE: "corp", AWS_CA_BUNDLE: "" });
    expect(emptyEnv.cli.stderr).toContain("InsecureRequestWarning");
    expect(emptyEnv.trusted).toEqual({ cli: true, redux: true }); // redux: the profile's bundle, checked
    const emptyAll = await both({ AWS_CA_BUNDLE: "" });
    expect(emptyAll.cli.stderr).toContain("InsecureRequestWarning");
    expect(emptyAll.trusted).toEqual({ cli: true, redux: false });
    const blank = await both({ AWS_PROFILE: "blank" });
    expect(blank.cli.stderr).toContain("InsecureRequestWarning");
    expect(blank.trusted).toEqual({ cli: true, redux: false });
    // the SDK's rule for inline comments (see "Reading ~/.aws"): the path without it
    const commented = await both({ AWS_PROFILE: "commented" });
    expect(commented.cli.stderr).toContain("No such file or directory");
    expect(commented.trusted).toEqual({ cli: false, redux: true });
  }, 60_000);
});

test("no output of any ca_bundle scenario contains a secret or a token", () => {
  expectNoSecrets(outputs, secrets, 20);
});
