import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bearerToken, credentialProvider, resolveCredentials, sdkLogger } from "../../../lib/aws/credentials.ts";

// The SDK's providers read process.env, so each test sets what it needs there and everything is put back after.
let home: string;
let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  home = mkdtempSync(join(tmpdir(), "redux-creds-"));
  process.env.HOME = home;
  process.env.AWS_EC2_METADATA_DISABLED = "true";
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  rmSync(home, { recursive: true, force: true });
});
// each test resolves for its own region: resolutions are shared per process, profile and region
let n = 0;
const region = () => `us-east-${++n + 10}`;

test("AWS_BEARER_TOKEN_BEDROCK: set is bearer (no provider), empty is ignored as if unset", async () => {
  expect(bearerToken({})).toBeUndefined();
  expect(bearerToken({ AWS_BEARER_TOKEN_BEDROCK: "" })).toBe("empty");
  expect(bearerToken({ AWS_BEARER_TOKEN_BEDROCK: "k" })).toBe("set");
  process.env.AWS_BEARER_TOKEN_BEDROCK = "a-key";
  const b = await resolveCredentials({ region: region(), timeoutMs: 1000 });
  expect(b.source).toBe("bearer");
  expect(b.provider).toBeUndefined();
  process.env.AWS_BEARER_TOKEN_BEDROCK = "";
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAENVKEY0000000001", AWS_SECRET_ACCESS_KEY: "s" });
  const lines: string[] = [];
  const e = await resolveCredentials({ region: region(), timeoutMs: 1000, debug: (l) => lines.push(l) });
  expect(e).toMatchObject({ source: "env", label: "env" });
  expect(e.identity?.accessKeyId).toBe("AKIAENVKEY0000000001");
  expect(lines).toContain("credentials: AWS_BEARER_TOKEN_BEDROCK is set but empty: ignored, as if it were unset");
  expect(lines).toContain("credentials: found: env (the SDK marked them CREDENTIALS_ENV_VARS)");
});

test("a profile named explicitly that does not exist: exit 3 naming both files", async () => {
  mkdirSync(join(home, ".aws"));
  writeFileSync(join(home, ".aws", "config"), "[profile other]\nregion = us-east-1\n");
  const err = await resolveCredentials({ profile: "nosuch", region: region(), timeoutMs: 1000 }).catch((e) => e);
  expect({ code: err.code, message: err.message }).toEqual({ code: 3, message: `profile nosuch does not exist in ${join(home, ".aws", "config")} or ${join(home, ".aws", "credentials")}` });
});

test("a profile that exists but gives the SDK nothing to resolve: exit 3 saying what it could hold", async () => {
  mkdirSync(join(home, ".aws"));
  writeFileSync(join(home, ".aws", "config"), "[profile empty]\nregion = us-east-1\n");
  const err = await resolveCredentials({ profile: "empty", region: region(), timeoutMs: 1000 }).catch((e) => e);
  expect(err.code).toBe(3);
  expect(err.message).toContain("profile empty has no credentials the SDK can use");
  expect(err.hint).toContain("login_session");
});

test("nothing anywhere: exit 3 listing every place looked at; --debug carries the SDK's own account of each link", async () => {
  const lines: string[] = [];
  const err = await resolveCredentials({ region: region(), timeoutMs: 1000, debug: (l) => lines.push(l) }).catch((e) => e);
  expect(err.code).toBe(3);
  expect(err.message).toBe("no AWS credentials found");
  expect(err.hint).toContain(join(home, ".aws", "credentials"));
  expect(lines).toContain("sdk debug: @aws-sdk/credential-provider-node - defaultProvider::fromEnv");
  expect(lines).toContain("sdk debug: @smithy/property-provider -> EC2 Instance Metadata Service access disabled");
});

test("one resolution per profile and region: the Bedrock client and STS share the provider that won", async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAMEMOKEY000000001", AWS_SECRET_ACCESS_KEY: "memo-secret" });
  const lines: string[] = [];
  const r = region();
  const a = await resolveCredentials({ region: r, timeoutMs: 1000, debug: (l) => lines.push(l) });
  const b = await resolveCredentials({ region: r, timeoutMs: 1000 });
  expect(b).toBe(a);
  const provider = await credentialProvider({ region: r, timeoutMs: 1000 });
  expect((await provider!()).accessKeyId).toBe("AKIAMEMOKEY000000001");
  expect(lines.filter((l) => l.startsWith("credentials: found:")).length).toBe(1);
});

test("env keys past AWS_CREDENTIAL_EXPIRATION: exit 3 naming when, not a request AWS would refuse", async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAEXPIRED000000001", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t", AWS_CREDENTIAL_EXPIRATION: "2024-05-01T10:00:00Z" });
  const err = await resolveCredentials({ region: region(), timeoutMs: 1000 }).catch((e) => e);
  expect({ code: err.code, message: err.message }).toEqual({ code: 3, message: "the credentials from env expired at 2024-05-01T10:00:00.000Z" });
});

test("the SDK's own log lines reach --debug redacted, and objects are never dumped", () => {
  const lines: string[] = [];
  const trail: string[] = [];
  const log = sdkLogger((l) => lines.push(l), trail);
  log.debug("@aws-sdk/credential-provider-ini - fromIni");
  log.warn("header Authorization: Bearer abcdefghijklmnopqrstuvwxyz", { secretAccessKey: "never-shown-secret" });
  expect(lines).toEqual(["sdk debug: @aws-sdk/credential-provider-ini - fromIni", "sdk warn: header Authorization: Bearer <redacted> <object>"]);
  expect(trail).toEqual(["@aws-sdk/credential-provider-ini - fromIni"]);
  expect(() => sdkLogger().warn("no --debug: nothing, not even the console")).not.toThrow();
});
