import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialProvider, resolveCredentials, sdkLogger } from "../../../lib/aws/credentials.ts";

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "redux-creds-"));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));
const base = () => ({ HOME: home, AWS_EC2_METADATA_DISABLED: "true" });

test("bearer wins and carries no provider; env keys are next", async () => {
  const b = await resolveCredentials({ region: "us-east-1", timeoutMs: 1000, env: { ...base(), AWS_BEARER_TOKEN_BEDROCK: "" } });
  expect(b.source).toBe("bearer");
  expect(b.provider).toBeUndefined();
  // the SDK's own providers read process.env, so the env link is tried with the real environment
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAENVKEY0000000001", AWS_SECRET_ACCESS_KEY: "s" });
  let e;
  try {
    e = await resolveCredentials({ region: "us-east-1", timeoutMs: 1000, env: { ...process.env, ...base() } });
  } finally {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  }
  expect(e.source).toBe("env");
  expect(e.identity?.accessKeyId).toBe("AKIAENVKEY0000000001");
  expect(e.tried.map((t) => t.link)).toEqual(["bearer", "env"]);
});

test("a profile named explicitly without credentials is an error naming the files", async () => {
  mkdirSync(join(home, ".aws"));
  writeFileSync(join(home, ".aws", "config"), "[profile empty]\nregion = us-east-1\n");
  await expect(resolveCredentials({ profile: "empty", region: "us-east-1", timeoutMs: 1000, env: base() })).rejects.toThrow(/profile empty has no credentials/);
});

test("nothing anywhere: exit 3 listing every place looked at, and each link's reason", async () => {
  const lines: string[] = [];
  const err = await resolveCredentials({ region: "us-east-1", timeoutMs: 1000, env: base(), debug: (l) => lines.push(l) }).catch((e) => e);
  expect(err.code).toBe(3);
  expect(err.hint).toContain(join(home, ".aws", "credentials"));
  expect(lines.map((l) => l.split(":")[1]!.trim())).toEqual(["bearer", "env", "profile default", "web-identity", "container", "imds"]);
});

test("one walk per profile and region: the Bedrock client and STS share the provider that won", async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAMEMOKEY000000001", AWS_SECRET_ACCESS_KEY: "memo-secret" });
  try {
    const lines: string[] = [];
    const a = await resolveCredentials({ region: "eu-central-1", timeoutMs: 1000, debug: (l) => lines.push(l) });
    const b = await resolveCredentials({ region: "eu-central-1", timeoutMs: 1000 });
    expect(b).toBe(a);
    const provider = await credentialProvider({ region: "eu-central-1", timeoutMs: 1000 });
    expect((await provider!()).accessKeyId).toBe("AKIAMEMOKEY000000001");
    expect(lines.filter((l) => l.startsWith("credentials: env:"))).toEqual(["credentials: env: found credentials"]);
  } finally {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  }
});

test("env keys past AWS_CREDENTIAL_EXPIRATION: exit 3 naming when, not a request AWS would refuse", async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAEXPIRED000000001", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t", AWS_CREDENTIAL_EXPIRATION: "2024-05-01T10:00:00Z" });
  try {
    const err = await resolveCredentials({ region: "us-east-1", timeoutMs: 1000, env: { ...process.env, ...base() } }).catch((e) => e);
    expect({ code: err.code, message: err.message }).toEqual({ code: 3, message: "the credentials from env expired at 2024-05-01T10:00:00.000Z" });
  } finally {
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION"]) delete process.env[k];
  }
});

test("the SDK's own log lines reach --debug redacted, and objects are never dumped", () => {
  const lines: string[] = [];
  const log = sdkLogger((l) => lines.push(l));
  log.debug("@aws-sdk/credential-provider-ini - fromIni");
  log.warn("header Authorization: Bearer abcdefghijklmnopqrstuvwxyz", { secretAccessKey: "never-shown-secret" });
  expect(lines).toEqual(["sdk debug: @aws-sdk/credential-provider-ini - fromIni", "sdk warn: header Authorization: Bearer <redacted> <object>"]);
  expect(() => sdkLogger().warn("no --debug: nothing, not even the console")).not.toThrow();
});
