import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFilePath, credentialsFilePath, profileExists, resolveRegion } from "../../../lib/aws/profile.ts";

// The SDK's loaders read process.env: each test sets what it needs there and everything is put back after.
let home: string;
let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  home = mkdtempSync(join(tmpdir(), "redux-profile-"));
  process.env.HOME = home;
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  mkdirSync(join(home, ".aws"));
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  rmSync(home, { recursive: true, force: true });
});
const write = (name: string, text: string) => writeFileSync(join(home, ".aws", name), text);

test("the SDK's parser: a comment after a section header, indented settings, inline comments", async () => {
  write("config", "[profile work]  # prod account\n  region = eu-west-1 # Ireland\n[profile semi] ; note\nregion=ap-south-1 ; Mumbai\n");
  expect(await profileExists("work")).toBe(true);
  expect(await resolveRegion(undefined, "work")).toBe("eu-west-1");
  expect(await resolveRegion(undefined, "semi")).toBe("ap-south-1");
  expect(await profileExists("nosuch")).toBe(false);
});

test("a region in both files: the credentials file's wins (as in the SDK); flag and env come first", async () => {
  write("config", "[profile both]\nregion = eu-west-1\n");
  write("credentials", "[both]\nregion = ap-southeast-2\n");
  expect(await resolveRegion(undefined, "both")).toBe("ap-southeast-2");
  process.env.AWS_DEFAULT_REGION = "ca-central-1";
  expect(await resolveRegion(undefined, "both")).toBe("ca-central-1");
  process.env.AWS_REGION = "us-west-1";
  expect(await resolveRegion(undefined, "both")).toBe("us-west-1");
  expect(await resolveRegion("eu-north-1", "both")).toBe("eu-north-1");
  expect(await resolveRegion(undefined, "nosuch")).toBe("us-west-1");
});

test("~/ in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE is the home directory", async () => {
  mkdirSync(join(home, "elsewhere"));
  writeFileSync(join(home, "elsewhere", "cfg"), "[profile tilde]\nregion = sa-east-1\n");
  writeFileSync(join(home, "elsewhere", "creds"), "[onlycreds]\naws_access_key_id = AKIA\n");
  process.env.AWS_CONFIG_FILE = "~/elsewhere/cfg";
  process.env.AWS_SHARED_CREDENTIALS_FILE = "~/elsewhere/creds";
  expect(configFilePath()).toBe(join(home, "elsewhere", "cfg"));
  expect(credentialsFilePath()).toBe(join(home, "elsewhere", "creds"));
  expect(await resolveRegion(undefined, "tilde")).toBe("sa-east-1");
  expect(await profileExists("onlycreds")).toBe(true);
});

test("no region anywhere and instance metadata off: undefined, at once", async () => {
  const t0 = performance.now();
  expect(await resolveRegion(undefined, undefined)).toBeUndefined();
  expect(performance.now() - t0).toBeLessThan(500);
});
