// redux settings (~/.amazon-q/settings.json, 0600): known keys only, each validated before it is written.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ReduxError, ExitCode, usageError } from "./errors.ts";
import { parseNumber } from "./numbers.ts";
import { ensurePrivateDir, writeFileAtomic } from "./fs-atomic.ts";
import { fsError } from "./fs-errors.ts";
import { amazonQSettingsPath, reduxDir, settingsPath } from "./paths.ts";
import { parseModelString } from "./bedrock/model-string.ts";
import { parseS3Uri } from "./aws/s3-location.ts";
import { parseFallbackSetting } from "./bedrock/targets.ts";

export type Settings = Record<string, string | number | boolean>;

interface SettingDef {
  description: string;
  parse(value: string): string | number | boolean;
}

const positiveInt = (key: string, max: number, example: number) => (v: string) =>
  parseNumber(v, { name: key, min: 1, max, integer: true, hint: `e.g. redux-chat settings ${key} ${example}` })!;

export const SETTINGS: Record<string, SettingDef> = {
  "chat.defaultModel": {
    description: "model used when -m is not given (custom:<region>:<model-id>)",
    parse(v) {
      if (!v.startsWith("custom:")) throw usageError(`chat.defaultModel must be a custom: model string, got ${JSON.stringify(v)}`, "e.g. custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0");
      return parseModelString(v).model;
    },
  },
  "chat.autoProfile": {
    description: "retry a model refused for on-demand throughput through its inference profile (true, the default, or false)",
    parse(v) {
      if (v !== "true" && v !== "false") throw usageError(`chat.autoProfile must be true or false, got ${JSON.stringify(v)}`);
      return v === "true";
    },
  },
  "chat.fallbackModels": {
    description: "models tried in order when the chosen one cannot answer (comma-separated custom: model strings)",
    parse: parseFallbackSetting,
  },
  "chat.maxTokens": { description: "default --max-tokens", parse: positiveInt("chat.maxTokens", 1_000_000, 4096) },
  "chat.timeoutSeconds": { description: "default --timeout in seconds", parse: positiveInt("chat.timeoutSeconds", 3600, 120) },
  "chat.showUsage": {
    description: "after a one-shot prompt, one line on stderr with its tokens and cost (like --usage)",
    parse(v) {
      if (v !== "true" && v !== "false") throw usageError(`chat.showUsage must be true or false, got ${JSON.stringify(v)}`, "redux-chat settings chat.showUsage true");
      return v === "true";
    },
  },
  "batch.s3": {
    description: "S3 location for Bedrock batch records and results (s3://BUCKET/PREFIX), the default --s3",
    parse: (v) => (parseS3Uri(v, "batch.s3"), v),
  },
  "batch.roleArn": {
    description: "service role Bedrock batch jobs use to read and write S3, the default --role-arn",
    parse(v) {
      if (!/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/.test(v)) throw usageError(`batch.roleArn must be an IAM role ARN, got ${JSON.stringify(v)}`, "e.g. arn:aws:iam::123456789012:role/BedrockBatch");
      return v;
    },
  },
  "chat.encryptionKeyFile": {
    description: "file holding the key that encrypts conversations at rest",
    parse(v) {
      if (!v.startsWith("/")) throw usageError(`chat.encryptionKeyFile must be an absolute path, got ${JSON.stringify(v)}`, `give the full path (a relative one would depend on where redux runs), e.g. redux-chat settings chat.encryptionKeyFile ${resolve(v)}`);
      return v;
    },
  },
};

function readJsonObject(path: string): Settings | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ReduxError(ExitCode.usage, `cannot read the settings file ${path}: ${(err as Error).message}`, "it must be a file you can read (redux writes it 0600); fix its permissions, or move it away to start afresh");
  }
  try {
    const v = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    return v as Settings;
  } catch (err) {
    throw new ReduxError(ExitCode.usage, `settings file ${path} is not valid JSON: ${(err as Error).message}`, "fix or delete the file");
  }
}

export const readSettings = (env: NodeJS.ProcessEnv = process.env): Settings => readJsonObject(settingsPath(env)) ?? {};

/** The Amazon Q CLI's chat.defaultModel, if its settings file exists and is readable; never an error. */
export function amazonQDefaultModel(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const v = readJsonObject(amazonQSettingsPath(env))?.["chat.defaultModel"];
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** ~/.amazon-q is created 0700 when missing (an existing one, perhaps the Amazon Q CLI's, is left as it is). */
function writeSettingsFile(settings: Settings, env: NodeJS.ProcessEnv) {
  const path = settingsPath(env);
  try {
    ensurePrivateDir(reduxDir(env));
    writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`);
  } catch (err) {
    throw fsError(err, path, "write the settings file");
  }
}

function checkKey(key: string) {
  if (!Object.hasOwn(SETTINGS, key)) throw usageError(`unknown setting ${JSON.stringify(key)}`, `known settings: ${Object.keys(SETTINGS).join(", ")}`);
}

/**
 * Read, change and write settings.json under its lock, so two `settings` runs at once both land (each would otherwise
 * write back what it read, losing the other's change). A lock held by another run is waited for, briefly.
 */
function updateSettings<T>(env: NodeJS.ProcessEnv, change: (cur: Settings) => T): T {
  const path = settingsPath(env);
  try {
    ensurePrivateDir(reduxDir(env));
  } catch (err) {
    throw fsError(err, path, "write the settings file");
  }
  // loaded only here: reading settings, which every command does, takes no lock
  const { lockFile } = require("./file-lock.ts") as typeof import("./file-lock.ts");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    let release: () => void;
    try {
      release = lockFile(path, { what: "settings file", hint: "another redux-chat settings is writing it: run again" });
    } catch (err) {
      if ((err as ReduxError).code !== ExitCode.locked || attempt >= 100) throw err;
      Atomics.wait(pause, 0, 0, 20);
      continue;
    }
    try {
      return change(readSettings(env));
    } finally {
      release();
    }
  }
}

export function setSetting(key: string, value: string, env: NodeJS.ProcessEnv = process.env): Settings {
  checkKey(key);
  const parsed = SETTINGS[key]!.parse(value);
  return updateSettings(env, (cur) => {
    const next = { ...cur, [key]: parsed };
    writeSettingsFile(next, env);
    return next;
  });
}

export function deleteSetting(key: string, env: NodeJS.ProcessEnv = process.env): boolean {
  checkKey(key);
  if (!Object.hasOwn(readSettings(env), key)) return false;
  return updateSettings(env, (cur) => {
    if (!Object.hasOwn(cur, key)) return false;
    delete cur[key];
    writeSettingsFile(cur, env);
    return true;
  });
}

export function getSetting(key: string, env: NodeJS.ProcessEnv = process.env) {
  checkKey(key);
  return readSettings(env)[key];
}
