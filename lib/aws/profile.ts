// The little we read from ~/.aws/config ourselves: the profile's region, so a bare model id can find one.
// Credentials themselves are always resolved by the SDK's chain.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { homeDir } from "../paths.ts";

export const profileName = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env) => flag || env.AWS_PROFILE || "default";

/** Parses an INI file into sections; missing or unreadable files give {}. */
export function readIni(path: string): Record<string, Record<string, string>> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {};
  }
  const out: Record<string, Record<string, string>> = {};
  let cur: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      cur = out[sec[1]!.trim()] ??= {};
      continue;
    }
    const eq = line.indexOf("=");
    if (cur && eq > 0 && !/^\s/.test(raw)) cur[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

export const configFilePath = (env: NodeJS.ProcessEnv = process.env) => env.AWS_CONFIG_FILE || join(homeDir(env), ".aws", "config");
export const credentialsFilePath = (env: NodeJS.ProcessEnv = process.env) =>
  env.AWS_SHARED_CREDENTIALS_FILE || join(homeDir(env), ".aws", "credentials");

/** The profile's section from the config file (`[profile x]`, or `[default]`) merged over the credentials file's `[x]`. */
export function profileSection(name: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const cfg = readIni(configFilePath(env));
  const creds = readIni(credentialsFilePath(env));
  const fromCfg = cfg[name === "default" ? "default" : `profile ${name}`] ?? (name === "default" ? cfg["profile default"] : undefined) ?? {};
  return { ...(creds[name] ?? {}), ...fromCfg };
}

/** Region: --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's region. */
export function resolveRegion(flag: string | undefined, profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag || env.AWS_REGION || env.AWS_DEFAULT_REGION || profileSection(profileName(profile, env), env).region || undefined;
}
