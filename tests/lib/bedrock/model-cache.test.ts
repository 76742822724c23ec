import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cacheDir as pathsCacheDir, reduxDir } from "../../../lib/paths.ts";
import { cacheDir, cachedAccount, cachedLifecycle, cachedModelStrings, credentialFingerprint, readDiscovery, rememberAccount, rememberLifecycle, writeDiscovery } from "../../../lib/bedrock/model-cache.ts";

const home = () => ({ HOME: mkdtempSync(join(tmpdir(), "redux-cache-")) });
const discovery = (region = "us-east-1", at = new Date().toISOString()) => ({
  region, fetched_at: at, warnings: [], rows: [{ model: `custom:${region}:amazon.nova-micro-v1:0`, id: "amazon.nova-micro-v1:0" }] as never[],
});

describe("credentialFingerprint", () => {
  test("tells sources apart and never contains the secret it was made from", () => {
    const bearer = credentialFingerprint(undefined, { AWS_BEARER_TOKEN_BEDROCK: "a-very-secret-bedrock-api-key" });
    expect(bearer).toMatch(/^[0-9a-f]{32}$/);
    expect(bearer).not.toBe(credentialFingerprint(undefined, { AWS_BEARER_TOKEN_BEDROCK: "another-key" }));
    expect(credentialFingerprint("work", { AWS_ACCESS_KEY_ID: "AKIA1" })).not.toBe(credentialFingerprint(undefined, { AWS_ACCESS_KEY_ID: "AKIA1" }));
    expect(credentialFingerprint(undefined, { AWS_ACCESS_KEY_ID: "AKIA1" })).not.toBe(credentialFingerprint(undefined, { AWS_ACCESS_KEY_ID: "AKIA2" }));
  });
});

describe("the discovery cache", () => {
  test("round trip; files 0600, directory 0700", () => {
    const env = home();
    rememberAccount("fp", "123456789012", env);
    writeDiscovery("123456789012", discovery(), env);
    expect(cachedAccount("fp", env)).toBe("123456789012");
    const r = readDiscovery("123456789012", "us-east-1", env);
    expect(r.state).toBe("fresh");
    if (r.state === "fresh") expect(r.discovery.rows).toHaveLength(1);
    const dir = join(env.HOME, ".amazon-q", "cache");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(cachedModelStrings(env)).toEqual(["custom:us-east-1:amazon.nova-micro-v1:0"]);
  });

  test("stale after 24 h, damaged when not ours, missing when absent; bad names are never paths", () => {
    const env = home();
    writeDiscovery("123456789012", discovery("us-east-1", new Date(Date.now() - 25 * 3600_000).toISOString()), env);
    expect(readDiscovery("123456789012", "us-east-1", env).state).toBe("stale");
    const file = join(env.HOME, ".amazon-q", "cache", "models-123456789012-us-east-1.json");
    for (const bad of ["{", "[]", '{"version":1,"region":"us-east-1","rows":"x"}', '{"version":2}']) {
      writeFileSync(file, bad);
      expect(readDiscovery("123456789012", "us-east-1", env).state).toBe("damaged");
    }
    expect(readDiscovery("123456789012", "eu-west-1", env).state).toBe("missing");
    expect(readDiscovery("../../etc", "us-east-1", env).state).toBe("missing");
    writeDiscovery("../x", discovery(), env);
    expect(readdirSync(join(env.HOME, ".amazon-q", "cache")).sort()).toEqual(["models-123456789012-us-east-1.json"]);
    writeFileSync(join(env.HOME, ".amazon-q", "cache", "accounts.json"), "not json");
    expect(cachedAccount("fp", env)).toBeUndefined();
    rememberAccount("fp", "123456789012", env);
    expect(JSON.parse(readFileSync(join(env.HOME, ".amazon-q", "cache", "accounts.json"), "utf8")).identities.fp.account).toBe("123456789012");
  });

  test("lifecycle entries, merged and expiring", () => {
    const env = home();
    rememberLifecycle("us-east-1", { a: { status: "LEGACY", end_of_life: "2027-03-01" } }, env);
    rememberLifecycle("us-east-1", { b: { status: "ACTIVE", end_of_life: null } }, env);
    expect(cachedLifecycle("us-east-1", "a", env)).toEqual({ status: "LEGACY", end_of_life: "2027-03-01" });
    expect(cachedLifecycle("us-east-1", "b", env)).toEqual({ status: "ACTIVE", end_of_life: null });
    expect(cachedLifecycle("us-east-1", "a", env, Date.now() + 25 * 3600_000)).toBeUndefined();
    expect(cachedLifecycle("eu-west-1", "a", env)).toBeUndefined();
  });
});

describe("paths and keys spelled without node:path (the warm `models` path loads none of it)", () => {
  test("cacheDir is lib/paths.ts's cacheDir, reduxDir/cache, however HOME is spelled", () => {
    for (const HOME of ["/home/ann", "/home/ann/", "/home//ann", "relative/home"]) {
      expect(resolve(cacheDir({ HOME }))).toBe(resolve(join(reduxDir({ HOME }), "cache")));
      expect(resolve(cacheDir({ HOME }))).toBe(resolve(pathsCacheDir({ HOME })));
    }
  });

  test("a profile's fingerprint tells config files apart; an empty cache file is damaged, a directory missing", () => {
    expect(credentialFingerprint("work", { HOME: "/a" })).not.toBe(credentialFingerprint("work", { HOME: "/b" }));
    expect(credentialFingerprint("work", { HOME: "/a", AWS_CONFIG_FILE: "/etc/aws" })).not.toBe(credentialFingerprint("work", { HOME: "/a" }));
    expect(credentialFingerprint(undefined, { HOME: "/a" })).not.toBe(credentialFingerprint(undefined, { HOME: "/b" }));
    const env = home();
    writeDiscovery("123456789012", discovery(), env);
    const file = join(env.HOME, ".amazon-q", "cache", "models-123456789012-us-east-1.json");
    writeFileSync(file, "");
    expect(readDiscovery("123456789012", "us-east-1", env).state).toBe("damaged");
    rmSync(file);
    mkdirSync(file);
    expect(readDiscovery("123456789012", "us-east-1", env).state).toBe("missing");
  });
});
