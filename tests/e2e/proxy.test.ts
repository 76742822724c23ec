// Corporate networks, from the compiled binaries: HTTP_PROXY/HTTPS_PROXY (and lowercase) carry Bedrock and every
// credential call (STS, SSO) through a real forward proxy on loopback, NO_PROXY exempts only what it lists, an
// authenticating proxy gets its credentials from the proxy URL, and a custom CA bundle is trusted through a CONNECT
// tunnel. "Went through the proxy" is proven on both sides: the proxy recorded it, and the fake saw its `via` stamp.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { startFakeAws, type FakeAws } from "../fakes/fake-aws.ts";
import { startConnectProxy, VIA, type ConnectProxy } from "../fakes/connect-proxy.ts";
import { startTlsFront } from "../fakes/tls-front.ts";
import { bin, keylessEnv, run, tempHome, FAKE_KEY, type RunResult } from "./harness.ts";
import { assertValid } from "../schema.ts";
import { expectNoSecrets, fakeSecrets } from "../helpers/secrets.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let proxy: ConnectProxy;
let home: string;
let cleanup: () => void;
const outputs: string[] = [];
let secrets: Set<string>;

beforeAll(async () => {
  fake = await startFakeAws();
  proxy = await startConnectProxy();
  secrets = fakeSecrets(fake);
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  fake.reset();
  proxy.seen.length = 0;
});
afterEach(() => cleanup());

const keys = { AWS_ACCESS_KEY_ID: FAKE_KEY.id, AWS_SECRET_ACCESS_KEY: FAKE_KEY.secret };

const envWith = (extra: Record<string, string | undefined> = {}) => keylessEnv(home, fake.url, extra);

async function go(args: string[], env: Record<string, string>, name: "redux-chat" | "redux-test-model" = "redux-test-model"): Promise<RunResult> {
  const r = await run(bin(name), args, { env, timeoutMs: 20_000 });
  outputs.push(r.stdout, r.stderr);
  return r;
}

const chat = (env: Record<string, string>) => go(["-m", MODEL, "--no-save", "hello"], env, "redux-chat");
async function smoke(env: Record<string, string>, extra: string[] = []) {
  const r = await go(["-m", MODEL, "--json", ...extra], env);
  const report = JSON.parse(r.stdout);
  assertValid("test-model-output.schema.json", report);
  return { ...r, report };
}

/** Every request the fake answered, as `service operation via` (via: whether the proxy stamped it). */
const traffic = () => fake.requests.map((q) => `${q.service} ${q.operation} ${q.headers.via === VIA ? "via proxy" : "direct"}`);
const allViaProxy = () => fake.requests.length > 0 && fake.requests.every((q) => q.headers.via === VIA);

function writeAws(files: { config?: string; credentials?: string }) {
  mkdirSync(join(home, ".aws"), { recursive: true });
  if (files.config) writeFileSync(join(home, ".aws", "config"), files.config);
  if (files.credentials) writeFileSync(join(home, ".aws", "credentials"), files.credentials);
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("HTTP_PROXY / HTTPS_PROXY", () => {
  test("Bedrock (HTTP/1.1 through the proxy) and STS GetCallerIdentity all go through HTTP_PROXY", async () => {
    const env = envWith({ ...keys, HTTP_PROXY: proxy.url });
    const c = await chat(env);
    expect({ code: c.code, out: c.stdout, err: c.stderr }).toEqual({ code: 0, out: "Echo: hello\n", err: "" });
    const s = await smoke(env);
    expect(s.code).toBe(0);
    expect(s.report.ok).toBe(true);
    expect(traffic()).toEqual(["bedrock ConverseStream via proxy", "sts GetCallerIdentity via proxy", "bedrock Converse via proxy"]);
    expect(fake.requests.filter((q) => q.service === "bedrock").map((q) => q.httpVersion)).toEqual(["1.1", "1.1"]);
    // the proxy saw absolute-URI requests for the fake, and forwarded each with the fake's answer
    expect(proxy.seen.length).toBe(3);
    expect(proxy.seen.every((p) => p.target.startsWith(`${fake.url}/`) && p.status === 200)).toBe(true);
    expect(proxy.seen.filter((p) => p.target.startsWith(`${fake.url}/model/`)).length).toBe(2);
  });

  test("credential calls go through the proxy too: AssumeRole (lowercase http_proxy), SSO, AssumeRoleWithWebIdentity", async () => {
    const src = { accessKeyId: "AKIAPROXYSOURCE00001", secretAccessKey: "proxy-source-secret" };
    fake.addCredential(src);
    secrets.add(src.secretAccessKey);
    writeAws({
      credentials: `[base]\naws_access_key_id = ${src.accessKeyId}\naws_secret_access_key = ${src.secretAccessKey}\n`,
      config: [
        "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n",
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = us-east-1\n",
        "[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
      ].join("\n"),
    });
    const cacheDir = join(home, ".aws", "sso", "cache");
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, `${createHash("sha1").update("corp").digest("hex")}.json`), JSON.stringify({ accessToken: fake.ssoAccessToken, expiresAt: new Date(Date.now() + 3600_000).toISOString() }));

    const assumed = await smoke(envWith({ http_proxy: proxy.url }), ["--profile", "deploy"]);
    expect(assumed.report).toMatchObject({ ok: true, credential_source: "assume-role" });
    expect(traffic()).toEqual(["sts AssumeRole via proxy", "sts GetCallerIdentity via proxy", "bedrock Converse via proxy"]);

    fake.reset();
    const sso = await smoke(envWith({ HTTP_PROXY: proxy.url }), ["--profile", "dev"]);
    expect(sso.report).toMatchObject({ ok: true, credential_source: "sso" });
    expect(traffic()).toEqual(["sso GetRoleCredentials via proxy", "sts GetCallerIdentity via proxy", "bedrock Converse via proxy"]);

    fake.reset();
    const tokenFile = join(home, "web-token");
    writeFileSync(tokenFile, "eyJhbGciOiJub25lIn0.proxy-web-identity.sig");
    secrets.add("eyJhbGciOiJub25lIn0.proxy-web-identity.sig");
    const web = await smoke(envWith({ HTTP_PROXY: proxy.url, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/ci" }));
    expect(web.report).toMatchObject({ ok: true, credential_source: "web-identity" });
    expect(traffic()).toEqual(["sts AssumeRoleWithWebIdentity via proxy", "sts GetCallerIdentity via proxy", "bedrock Converse via proxy"]);
  });

  test("a profile's web_identity_token_file: AssumeRoleWithWebIdentity goes through the proxy too (the SDK builds that STS client without clientConfig)", async () => {
    const tokenFile = join(home, "profile-web-token");
    const webToken = "eyJhbGciOiJub25lIn0.profile-web-identity.sig";
    secrets.add(webToken);
    writeFileSync(tokenFile, webToken);
    writeAws({ config: `[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_file = ${tokenFile}\nrole_session_name = ci-run\n` });
    const r = await smoke(envWith({ HTTP_PROXY: proxy.url }), ["--profile", "ci"]);
    expect(r.report).toMatchObject({ ok: true, credential_source: "web-identity", credential_label: "web-identity (profile ci)" });
    expect(traffic()).toEqual(["sts AssumeRoleWithWebIdentity via proxy", "sts GetCallerIdentity via proxy", "bedrock Converse via proxy"]);
    expect(fake.requests[0]!.body).toMatchObject({ WebIdentityToken: webToken, RoleSessionName: "ci-run" });
    expect(proxy.seen.map((p) => p.status)).toEqual([200, 200, 200]);
    // and redux-chat, through the same proxy
    fake.reset();
    const c = await go(["-m", MODEL, "--profile", "ci", "--no-save", "hello"], envWith({ HTTP_PROXY: proxy.url }), "redux-chat");
    expect({ code: c.code, out: c.stdout }).toEqual({ code: 0, out: "Echo: hello\n" });
    expect(traffic()).toEqual(["sts AssumeRoleWithWebIdentity via proxy", "bedrock ConverseStream via proxy"]);
  });

  test("a proxy that is down fails fast with exit 5 and a hint naming the proxy variables (proves nothing bypassed it)", async () => {
    const env = envWith({ ...keys, HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}`, HTTP_PROXY: `http://127.0.0.1:${await closedPort()}` });
    const c = await chat(env);
    expect(c.code).toBe(5);
    expect(c.stderr).toContain(`error: cannot reach the proxy ${env.HTTP_PROXY} (HTTP_PROXY): ECONNREFUSED\nhint: check HTTP_PROXY, or list the host in NO_PROXY`);
    expect(c.ms).toBeLessThan(10_000);
    const s = await go(["-m", MODEL], env);
    expect(s.code).toBe(5);
    expect(s.stdout).toContain("✖ identity     cannot reach the proxy");
    expect(fake.requests).toEqual([]);
  });

  test("an authenticating proxy: user and password from the proxy URL are sent, never printed; without them, exit 5 saying so", async () => {
    const password = "proxy-pass-Secret-42";
    secrets.add(password);
    const authProxy = await startConnectProxy({ auth: { user: "alice", password } });
    try {
      const withAuth = envWith({ ...keys, HTTP_PROXY: `http://alice:${password}@127.0.0.1:${authProxy.port}` });
      expect((await chat(withAuth)).code).toBe(0);
      const s = await smoke(withAuth);
      expect(s.report.ok).toBe(true);
      const d = await go(["-m", MODEL, "--debug", "--no-invoke"], withAuth);
      expect(d.code).toBe(0);
      expect(allViaProxy()).toBe(true);
      expect(authProxy.seen.every((p) => p.authorized && p.status === 200)).toBe(true);

      fake.reset();
      const without = envWith({ ...keys, HTTP_PROXY: authProxy.url });
      const c = await chat(without);
      expect(c.code).toBe(5);
      expect(c.stderr).toContain(`error: the proxy ${authProxy.url} (HTTP_PROXY) asks for credentials: 407 Proxy Authentication Required`);
      expect(c.stderr).toContain(`hint: put them in the proxy URL: HTTP_PROXY=http://user:password@127.0.0.1:${authProxy.port}`);
      // a scheme-less proxy (`host:port`) is read as http://, and the 407 through a CONNECT tunnel is said the same way
      const tunnelled = await chat(envWith({ ...keys, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: "https://127.0.0.1:1", HTTPS_PROXY: `127.0.0.1:${authProxy.port}` }));
      expect(tunnelled.code).toBe(5);
      expect(tunnelled.stderr).toContain(`error: the proxy ${authProxy.url} (HTTPS_PROXY) asks for credentials`);
      expect(authProxy.seen.at(-1)).toMatchObject({ method: "CONNECT", target: "127.0.0.1:1", status: 407 });
      expect(fake.requests).toEqual([]);
    } finally {
      await authProxy.close();
    }
  });
});

describe("NO_PROXY", () => {
  test("listing the host (NO_PROXY or no_proxy, bare or with the port, or *) goes direct", async () => {
    const port = new URL(fake.url).port;
    for (const noProxy of [{ NO_PROXY: "127.0.0.1" }, { no_proxy: `example.com, 127.0.0.1:${port}` }, { NO_PROXY: "*" }]) {
      fake.reset();
      proxy.seen.length = 0;
      const env = envWith({ ...keys, HTTP_PROXY: proxy.url, ...noProxy });
      expect({ noProxy, chat: (await chat(env)).code, smoke: (await smoke(env)).report.ok }).toEqual({ noProxy, chat: 0, smoke: true });
      expect({ noProxy, seen: proxy.seen.length }).toEqual({ noProxy, seen: 0 });
      expect(fake.requests.length).toBe(3);
      expect(fake.requests.some((q) => q.headers.via)).toBe(false);
    }
  });

  test("127.0.0.1 is not exempt unless listed: localhost, another port, or a domain still go through the proxy", async () => {
    for (const noProxy of ["localhost", "127.0.0.1:1", ".amazonaws.com,example.com"]) {
      fake.reset();
      proxy.seen.length = 0;
      const env = envWith({ ...keys, HTTP_PROXY: proxy.url, NO_PROXY: noProxy });
      expect({ noProxy, chat: (await chat(env)).code }).toEqual({ noProxy, chat: 0 });
      expect({ noProxy, allViaProxy: allViaProxy(), seen: proxy.seen.length }).toEqual({ noProxy, allViaProxy: true, seen: 1 });
    }
  });
});

describe("HTTPS and a custom CA bundle", () => {
  test("untrusted certificate: exit 5 naming AWS_CA_BUNDLE; AWS_CA_BUNDLE or NODE_EXTRA_CA_CERTS trust it; HTTPS_PROXY tunnels with CONNECT", async () => {
    const tls = await startTlsFront(fake.url);
    try {
      const https = { ...keys, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: tls.url, AWS_ENDPOINT_URL_STS: tls.url };
      const untrusted = await chat(envWith(https));
      expect(untrusted.code).toBe(5);
      expect(untrusted.stderr).toContain("AWS_CA_BUNDLE");
      for (const ca of [{ AWS_CA_BUNDLE: tls.caPath }, { NODE_EXTRA_CA_CERTS: tls.caPath }]) {
        const env = envWith({ ...https, ...ca });
        expect({ ca, chat: (await chat(env)).code, smoke: (await smoke(env)).report.ok }).toEqual({ ca, chat: 0, smoke: true });
      }
      proxy.seen.length = 0;
      fake.reset();
      const env = envWith({ ...https, AWS_CA_BUNDLE: tls.caPath, HTTPS_PROXY: proxy.url });
      expect((await chat(env)).code).toBe(0);
      expect((await smoke(env)).report.ok).toBe(true);
      // chat's Bedrock call, then the smoke test's STS and Bedrock calls: each opens a tunnel to the TLS front
      const port = new URL(tls.url).port;
      expect(proxy.seen.filter((s) => s.method === "CONNECT" && s.target === `127.0.0.1:${port}` && s.status === 200).length).toBeGreaterThanOrEqual(3);
      expect(proxy.seen.every((s) => s.method === "CONNECT")).toBe(true);
      expect(fake.requests.map((q) => q.operation)).toEqual(["ConverseStream", "GetCallerIdentity", "Converse"]);
    } finally {
      await tls.close();
    }
  });
});

test("no output of any proxy scenario contains a secret, a token or the proxy password", () => {
  expectNoSecrets(outputs, secrets, 20);
});
