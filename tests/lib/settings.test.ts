import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deleteSetting, getSetting, readSettings, setSetting, amazonQDefaultModel } from "../../lib/settings.ts";
import { chooseModel } from "../../lib/bedrock/model-choice.ts";
import { ExitCode } from "../../lib/errors.ts";

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "redux-settings-"));
  env = { HOME: home };
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe("settings", () => {
  test("set, get, list and delete, in a 0600 file under a 0700 directory", () => {
    setSetting("chat.defaultModel", "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", env);
    setSetting("chat.maxTokens", "512", env);
    expect(getSetting("chat.defaultModel", env)).toBe("custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0");
    expect(readSettings(env)).toEqual({ "chat.defaultModel": "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", "chat.maxTokens": 512 });
    const file = join(home, ".amazon-q", "settings.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, ".amazon-q")).mode & 0o777).toBe(0o700);
    expect(deleteSetting("chat.maxTokens", env)).toBe(true);
    expect(deleteSetting("chat.maxTokens", env)).toBe(false);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ "chat.defaultModel": "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0" });
  });

  test("unknown keys and bad values are refused and nothing is written", () => {
    expect(() => setSetting("chat.nope", "x", env)).toThrow(/unknown setting/);
    expect(() => setSetting("chat.defaultModel", "anthropic.claude", env)).toThrow(/custom:/);
    expect(() => setSetting("chat.defaultModel", "custom:mars-1:x", env)).toThrow(/region/);
    expect(() => setSetting("chat.maxTokens", "-3", env)).toThrow(/whole number/);
    expect(readSettings(env)).toEqual({});
  });

  test("a damaged settings file is a usage error naming the file", () => {
    mkdirSync(join(home, ".amazon-q"));
    writeFileSync(join(home, ".amazon-q", "settings.json"), "{oops");
    try {
      readSettings(env);
      throw new Error("no error");
    } catch (err) {
      expect((err as { code: number }).code).toBe(ExitCode.usage);
      expect((err as Error).message).toContain("settings.json");
    }
  });
});

describe("chooseModel", () => {
  test("our setting, then the Amazon Q CLI's custom: setting", async () => {
    const q = join(home, ".local", "share", "amazon-q");
    mkdirSync(q, { recursive: true });
    writeFileSync(join(q, "settings.json"), JSON.stringify({ "chat.defaultModel": "custom:eu-west-1:eu.x:0" }));
    expect(amazonQDefaultModel(env)).toBe("custom:eu-west-1:eu.x:0");
    expect((await chooseModel({ env })).region).toBe("eu-west-1");
    setSetting("chat.defaultModel", "custom:us-west-2:y", env);
    expect(await chooseModel({ env })).toMatchObject({ region: "us-west-2", modelId: "y", source: "chat.defaultModel" });
    expect((await chooseModel({ env: { ...env, AMAZON_Q_MODEL: "custom:ap-south-1:z" } })).region).toBe("ap-south-1");
  });

  test("a bare id takes its region from --region, AWS_REGION, then the profile (the SDK reads process.env)", async () => {
    const saved = { HOME: process.env.HOME, AWS_PROFILE: process.env.AWS_PROFILE, AWS_REGION: process.env.AWS_REGION };
    process.env.HOME = home;
    try {
      mkdirSync(join(home, ".aws"));
      writeFileSync(join(home, ".aws", "config"), "[profile work]\nregion = ca-central-1\n[default]\nregion = sa-east-1\n");
      expect((await chooseModel({ flag: "m.x", env })).region).toBe("sa-east-1");
      expect((await chooseModel({ flag: "m.x", profile: "work", env })).region).toBe("ca-central-1");
      process.env.AWS_PROFILE = "work";
      expect((await chooseModel({ flag: "m.x", env })).region).toBe("ca-central-1");
      process.env.AWS_REGION = "us-east-2";
      expect((await chooseModel({ flag: "m.x", env })).region).toBe("us-east-2");
      expect((await chooseModel({ flag: "m.x", region: "eu-north-1", env })).region).toBe("eu-north-1");
    } finally {
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    }
  });

  test("no model anywhere is a usage error with a hint", async () => {
    await expect(chooseModel({ env })).rejects.toThrow(/no model given/);
  });
});
