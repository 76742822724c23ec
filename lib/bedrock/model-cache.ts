// The discovery cache under ~/.amazon-q/cache/ (directory 0700, files 0600, written atomically): one file per account
// and region, good for 24 h, plus which account a set of credentials belongs to, keyed by a fingerprint of where the
// credentials come from, so a warm `redux-chat models` loads no SDK and makes no call. Lifecycle answers (for the
// LEGACY warning) are kept per region. A damaged file is a miss, rebuilt by the next fetch, never an error.
//
// A warm `redux-chat models` is answered from here before anything else loads (bin/chat/models-fast.ts), so this module
// imports neither node:fs nor node:path (with the modules that import them, they were half of that answer's time):
// files are read through Bun.mmap, and paths are spelled with the platform's separator.
import type * as NodeFs from "node:fs";
import type * as NodeOs from "node:os";
import { isValidRegion } from "./model-string.ts";
import type { Discovery } from "./discovery.ts";

const CACHE_TTL_MS = 24 * 3600_000;
const VERSION = 1;
const SEP = process.platform === "win32" ? "\\" : "/";

/** lib/paths.ts's homeDir, reduxDir and cacheDir, without node:path (tests/lib/bedrock/model-cache.test.ts keeps them equal). */
const homeDir = (env: NodeJS.ProcessEnv) => env.HOME || (require("node:os") as typeof NodeOs).homedir();
export const cacheDir = (env: NodeJS.ProcessEnv = process.env) => `${homeDir(env)}${SEP}.amazon-q${SEP}cache`;
const inCache = (env: NodeJS.ProcessEnv, name: string) => `${cacheDir(env)}${SEP}${name}`;

/** The AWS config file the SDK reads profiles from, as a key (spelled as given, not normalized: it is never opened). */
const configFileKey = (env: NodeJS.ProcessEnv) => env.AWS_CONFIG_FILE || `${homeDir(env)}${SEP}.aws${SEP}config`;

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** A cache file's text; undefined when it cannot be read (missing, a directory). */
function readText(path: string): string | undefined {
  let bytes: Uint8Array;
  try {
    bytes = Bun.mmap(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EINVAL") return ""; // an empty file cannot be mapped
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "EACCES") return undefined;
    // a platform without mmap: node:fs after all
    try {
      return (require("node:fs") as typeof NodeFs).readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  }
  // copied out at once: the cache is only ever replaced by rename, never rewritten in place under the mapping
  return decoder.decode(bytes);
}

// Bun's own hasher and a lazily loaded writer: node:crypto costs ~4 ms to load, more than a warm `models` may take
const sha = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest("hex");
const writeFileAtomic = (path: string, data: string, o?: import("../fs-atomic.ts").WriteOptions) => (require("../fs-atomic.ts") as typeof import("../fs-atomic.ts")).writeFileAtomic(path, data, o);
const ACCOUNT_RE = /^(?:\d{12}|[a-z0-9-]{1,64})$/;

/**
 * Where the credentials come from, hashed (a bearer token is never written, only a digest of it): the SDK's order
 * of the first sources, enough to tell one account's cache from another's without resolving anything.
 */
export function credentialFingerprint(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  let what: string;
  if ("AWS_BEARER_TOKEN_BEDROCK" in env) what = `bearer:${env.AWS_BEARER_TOKEN_BEDROCK}`;
  else if (profile || env.AWS_PROFILE) what = `profile:${profile || env.AWS_PROFILE}:${configFileKey(env)}`;
  else if (env.AWS_ACCESS_KEY_ID) what = `key:${env.AWS_ACCESS_KEY_ID}`;
  else if (env.AWS_WEB_IDENTITY_TOKEN_FILE) what = `web-identity:${env.AWS_ROLE_ARN ?? ""}`;
  else if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) what = `container:${env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`;
  else what = `default:${configFileKey(env)}`;
  return sha(what).slice(0, 32);
}

function readJson(path: string): unknown {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);
const fresh = (at: unknown, now: number) => typeof at === "string" && now - Date.parse(at) < CACHE_TTL_MS && Date.parse(at) <= now + 300_000;

const accountsPath = (env: NodeJS.ProcessEnv) => inCache(env, "accounts.json");

/** The account last seen for these credentials (any age: the models file has its own expiry). */
export function cachedAccount(fingerprint: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = readJson(accountsPath(env));
  const a = isObject(v) && isObject(v.identities) && isObject(v.identities[fingerprint]) ? v.identities[fingerprint].account : undefined;
  return typeof a === "string" && ACCOUNT_RE.test(a) ? a : undefined;
}

export function rememberAccount(fingerprint: string, account: string, env: NodeJS.ProcessEnv = process.env) {
  if (!ACCOUNT_RE.test(account)) return;
  const v = readJson(accountsPath(env));
  const identities = isObject(v) && isObject(v.identities) ? v.identities : {};
  identities[fingerprint] = { account, at: new Date().toISOString() };
  writeFileAtomic(accountsPath(env), `${JSON.stringify({ version: VERSION, identities })}\n`, { ownDir: true });
}

const modelsPath = (account: string, region: string, env: NodeJS.ProcessEnv) => inCache(env, `models-${account}-${region}.json`);

type CacheRead = { state: "fresh"; discovery: Discovery } | { state: "missing" | "stale" | "damaged" };

/** One region's discovery for an account, if cached within 24 h. */
export function readDiscovery(account: string, region: string, env: NodeJS.ProcessEnv = process.env, now = Date.now()): CacheRead {
  if (!ACCOUNT_RE.test(account) || !isValidRegion(region)) return { state: "missing" };
  const text = readText(modelsPath(account, region, env));
  if (text === undefined) return { state: "missing" };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { state: "damaged" };
  }
  if (!isObject(v) || v.version !== VERSION || v.region !== region || !Array.isArray(v.rows) || !Array.isArray(v.warnings) || typeof v.fetched_at !== "string" || Number.isNaN(Date.parse(v.fetched_at))) {
    return { state: "damaged" };
  }
  if (!v.rows.every((r: unknown) => isObject(r) && typeof r.model === "string" && typeof r.id === "string")) return { state: "damaged" };
  if (!fresh(v.fetched_at, now)) return { state: "stale" };
  const { version: _v, account: _a, ...discovery } = v;
  return { state: "fresh", discovery: discovery as Discovery };
}

export function writeDiscovery(account: string, d: Discovery, env: NodeJS.ProcessEnv = process.env) {
  if (!ACCOUNT_RE.test(account) || !isValidRegion(d.region)) return;
  writeFileAtomic(modelsPath(account, d.region, env), `${JSON.stringify({ version: VERSION, account, ...d })}\n`, { ownDir: true });
}

/** Every model string in any cached discovery, whatever its age (shell completion: no network, ever). */
export function cachedModelStrings(env: NodeJS.ProcessEnv = process.env): string[] {
  let names: string[];
  try {
    names = (require("node:fs") as typeof NodeFs).readdirSync(cacheDir(env)).filter((n) => /^models-.+\.json$/.test(n));
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const n of names) {
    const v = readJson(inCache(env, n));
    if (!isObject(v) || !Array.isArray(v.rows)) continue;
    for (const r of v.rows) if (isObject(r) && typeof r.model === "string" && !/\s/.test(r.model)) out.add(r.model);
  }
  return [...out].sort();
}

export interface Lifecycle {
  status: "ACTIVE" | "LEGACY" | "UNKNOWN";
  end_of_life: string | null;
}

const lifecyclePath = (region: string, env: NodeJS.ProcessEnv) => inCache(env, `lifecycle-${region}.json`);

/** A model's lifecycle as last looked up in a region (24 h), or undefined. */
export function cachedLifecycle(region: string, modelId: string, env: NodeJS.ProcessEnv = process.env, now = Date.now()): Lifecycle | undefined {
  if (!isValidRegion(region)) return undefined;
  const v = readJson(lifecyclePath(region, env));
  const e = isObject(v) && isObject(v.models) ? v.models[modelId] : undefined;
  if (!isObject(e) || !fresh(e.at, now) || !["ACTIVE", "LEGACY", "UNKNOWN"].includes(e.status)) return undefined;
  return { status: e.status, end_of_life: typeof e.end_of_life === "string" ? e.end_of_life : null };
}

export function rememberLifecycle(region: string, entries: Record<string, Lifecycle>, env: NodeJS.ProcessEnv = process.env) {
  if (!isValidRegion(region) || !Object.keys(entries).length) return;
  const v = readJson(lifecyclePath(region, env));
  const models = isObject(v) && isObject(v.models) ? v.models : {};
  const at = new Date().toISOString();
  for (const [id, l] of Object.entries(entries)) models[id] = { ...l, at };
  writeFileAtomic(lifecyclePath(region, env), `${JSON.stringify({ version: VERSION, models })}\n`, { ownDir: true });
}
