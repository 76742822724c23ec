// Where redux keeps its files: settings, conversations, and the Amazon Q CLI's own settings it falls back to.
import type * as NodeOs from "node:os";
import type * as NodePath from "node:path";

/**
 * node:path's `join(dir, ...names)` for names that are single, plain file names: spelled directly when `dir` is already
 * in the form join would give it (no empty, `.` or `..` parts, no trailing separator), so the start-up paths that only
 * need a path (`redux-export list`) do not load node:path; node:path's own join otherwise, and on Windows.
 */
export function joinPath(dir: string, ...names: string[]): string {
  if (names.length && process.platform !== "win32" && joinedForm(dir)) return `${dir}/${names.join("/")}`;
  return (require("node:path") as typeof NodePath).join(dir, ...names);
}

/**
 * Is `dir` as join leaves it: not empty, no `//`, no trailing `/`, no `.` or `..` part. By hand, not a RegExp: this
 * runs at every start, and a process's first RegExp test compiles JavaScriptCore's own JavaScript for it.
 */
function joinedForm(dir: string): boolean {
  if (dir === "" || dir.endsWith("/") || dir.includes("//")) return false;
  for (let start = 0; start <= dir.length; ) {
    let end = dir.indexOf("/", start);
    if (end === -1) end = dir.length;
    const part = end - start;
    if ((part === 1 || part === 2) && dir[start] === "." && (part === 1 || dir[start + 1] === ".")) return false;
    start = end + 1;
  }
  return true;
}

/**
 * HOME wins over the passwd entry so tests (and sudo -E users) can point everything at another directory (node:os is
 * only loaded without one: importing it slows every start).
 */
export const homeDir = (env: NodeJS.ProcessEnv = process.env) => env.HOME || (require("node:os") as typeof NodeOs).homedir();

export const reduxDir = (env: NodeJS.ProcessEnv = process.env) => joinPath(homeDir(env), ".amazon-q");

/** Caches redux can rebuild (discovery, price slices); lib/bedrock/model-cache.ts spells the same path without node:path. */
export const cacheDir = (env: NodeJS.ProcessEnv = process.env) => joinPath(reduxDir(env), "cache");

export const settingsPath = (env: NodeJS.ProcessEnv = process.env) => joinPath(reduxDir(env), "settings.json");

export const conversationsDir = (env: NodeJS.ProcessEnv = process.env) =>
  env.REDUX_CONVERSATIONS_DIR || joinPath(reduxDir(env), "conversations");

/** The Amazon Q Developer CLI's data directory (its `dirs::data_local_dir()`/amazon-q), only ever read. */
const amazonQDataDir = (env: NodeJS.ProcessEnv = process.env, platform = process.platform) =>
  platform === "darwin"
    ? joinPath(homeDir(env), "Library", "Application Support", "amazon-q")
    : joinPath(env.XDG_DATA_HOME || joinPath(homeDir(env), ".local", "share"), "amazon-q");

/** The Amazon Q Developer CLI's settings file, read (never written) for a `custom:` chat.defaultModel. */
export const amazonQSettingsPath = (env: NodeJS.ProcessEnv = process.env, platform = process.platform) => joinPath(amazonQDataDir(env, platform), "settings.json");

/** The Amazon Q Developer CLI's database, whose conversations table `redux-export import` reads by default. */
export const amazonQDatabasePath = (env: NodeJS.ProcessEnv = process.env, platform = process.platform) => joinPath(amazonQDataDir(env, platform), "data.sqlite3");
