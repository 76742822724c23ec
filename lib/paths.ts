// Where redux keeps its files: settings, conversations, and the Amazon Q CLI's own settings it falls back to.
import type * as NodeOs from "node:os";
import { join } from "node:path";

/**
 * HOME wins over the passwd entry so tests (and sudo -E users) can point everything at another directory (node:os is
 * only loaded without one: importing it slows every start).
 */
export const homeDir = (env: NodeJS.ProcessEnv = process.env) => env.HOME || (require("node:os") as typeof NodeOs).homedir();

export const reduxDir = (env: NodeJS.ProcessEnv = process.env) => join(homeDir(env), ".amazon-q");

export const settingsPath = (env: NodeJS.ProcessEnv = process.env) => join(reduxDir(env), "settings.json");

export const conversationsDir = (env: NodeJS.ProcessEnv = process.env) =>
  env.REDUX_CONVERSATIONS_DIR || join(reduxDir(env), "conversations");

/** The Amazon Q Developer CLI's data directory (its `dirs::data_local_dir()`/amazon-q), only ever read. */
const amazonQDataDir = (env: NodeJS.ProcessEnv = process.env, platform = process.platform) =>
  platform === "darwin"
    ? join(homeDir(env), "Library", "Application Support", "amazon-q")
    : join(env.XDG_DATA_HOME || join(homeDir(env), ".local", "share"), "amazon-q");

/** The Amazon Q Developer CLI's settings file, read (never written) for a `custom:` chat.defaultModel. */
export const amazonQSettingsPath = (env: NodeJS.ProcessEnv = process.env, platform = process.platform) => join(amazonQDataDir(env, platform), "settings.json");

/** The Amazon Q Developer CLI's database, whose conversations table `redux-export import` reads by default. */
export const amazonQDatabasePath = (env: NodeJS.ProcessEnv = process.env, platform = process.platform) => join(amazonQDataDir(env, platform), "data.sqlite3");
