import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveCredentials } from "../../lib/credentials.ts";

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
