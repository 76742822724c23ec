// A `redux-export list` answered by the multicall entry (bin/redux.ts) before the command loads, without node:fs or
// node:path (loading them was most of an empty listing's time): the directory listed through Bun.Glob, files read
// through Bun.file (read-only; Bun.mmap would open them for writing), output written with Bun.write. It answers only
// the plain case: flags among --json, --[no-]header and -q, no encryption key anywhere, and a small directory whose
// every .json file is a readable redux conversation.
// Anything else (a key, a settings file in error, a directory that cannot be listed, a file the listing would skip,
// rows for a terminal's table) says no with nothing printed, and the full command runs and says it the usual way.
import { conversationsDir, joinPath, settingsPath } from "../../lib/paths.ts";
import { readTextIfExists } from "../../lib/read-text.ts";
import { envSecrets, redactText } from "../../lib/redact.ts";
import type { Conversation } from "../../lib/conversations/conversation.ts";
import type { ConversationSummary } from "../../lib/conversations/listing.ts";
import { isTTY } from "../shared/tty.ts";
import { rowLine } from "../../lib/conversations/list-lines.ts";
import { writeJson, writeTsv } from "./list-render.ts";

/** What the fast path reads of the command line (bin/redux.ts's QUICK_LIST). */
export interface QuickListArgs {
  json?: boolean;
  header?: boolean;
  quiet?: boolean;
}

/** Past this many files reading them, not starting, is what takes the time: the full command reads them. */
const MAX_FILES = 64;

/**
 * True when the settings file names a key file, or is one the full command would report (unreadable, not a JSON
 * object): its own reading (readSettings and loadKey) is what decides then.
 */
async function settingsNeedCommand(env: NodeJS.ProcessEnv): Promise<boolean> {
  let value: unknown;
  try {
    const text = await readTextIfExists(settingsPath(env));
    if (text === undefined) return false;
    value = JSON.parse(text);
  } catch {
    return true;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return true;
  const keyFile = (value as Record<string, unknown>)["chat.encryptionKeyFile"];
  return typeof keyFile === "string" && keyFile !== "";
}

/**
 * The `.json` names in the directory that are not hidden, in directory order (as conversationFileNames lists them):
 * none for a missing directory, undefined for one that cannot be listed or holds more than MAX_FILES.
 */
function fileNames(dir: string): string[] | undefined {
  const names: string[] = [];
  try {
    // onlyFiles: false keeps symbolic links and directories named x.json, which readdir lists too; dot files are left out
    for (const name of new Bun.Glob("*.json").scanSync({ cwd: dir, onlyFiles: false })) {
      if (names.push(name) > MAX_FILES) return undefined;
    }
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? [] : undefined;
  }
  return names;
}

/** The rows, newest first; undefined when a file would be skipped (the full command then warns about it). */
async function summaries(dir: string, names: string[]): Promise<ConversationSummary[] | undefined> {
  // the path as store-read's pathInDir spells it
  const prefix = joinPath(dir, "x").slice(0, -1);
  // every file read at once, beside the modules' loading: each read waits its turn on Bun's file thread. Plain loops
  // in this file, not Array.prototype.map: its first use in a process compiles JavaScriptCore's own JavaScript for it
  const reads: Promise<string | undefined>[] = [];
  for (let i = 0; i < names.length; i++) reads.push(readTextIfExists(prefix + names[i]!).catch(() => undefined));
  const [{ parseConversation }, { sortSummaries, summarize }, pricing, texts] = await Promise.all([
    import("../../lib/conversations/conversation.ts"),
    import("../../lib/conversations/listing.ts"),
    import("../../lib/conversations/usage-report.ts"),
    Promise.all(reads),
  ]);
  const pricer = pricing.createPricer();
  const cost = (c: Conversation) => pricing.conversationCost(c, pricer);
  const rows: ConversationSummary[] = [];
  for (let i = 0; i < names.length; i++) {
    const path = prefix + names[i]!;
    try {
      const text = texts[i];
      if (text === undefined) return undefined;
      rows.push(summarize({ path, conversation: parseConversation(JSON.parse(text)) }, cost));
    } catch {
      return undefined;
    }
  }
  return sortSummaries(rows).reverse();
}

/** A write to stdout or stderr as bin/shared/io.ts's out and err make it: a reader gone away ends quietly. */
async function write(fd: 1 | 2, s: string) {
  try {
    await Bun.write(fd === 1 ? Bun.stdout : Bun.stderr, s);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EPIPE") {
      if (fd === 1) process.exit(Number(process.exitCode ?? 0));
      return;
    }
    const { streamWriteError } = await import("../../lib/fs-errors.ts");
    throw streamWriteError(err, fd === 1 ? "standard output" : "standard error");
  }
}

/**
 * "no conversations" as ui.info prints it: scrubbed of the environment's secrets (redactText's patterns for signatures
 * and tokens cannot match it, so without a secret set there is nothing to scrub).
 */
function noneLine(env: NodeJS.ProcessEnv): string {
  const secrets = envSecrets(env);
  return secrets.length ? redactText("no conversations", secrets) : "no conversations";
}

/** Prints the list and returns true, or returns false (nothing printed) when the full command must run. */
export async function listFast(args: QuickListArgs, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (process.platform === "win32" || env.REDUX_ENCRYPTION_KEY) return false;
  // read while the directory is listed and its files read (it never rejects); nothing is printed before it is known
  const needCommand = settingsNeedCommand(env);
  const dir = conversationsDir(env);
  const names = fileNames(dir);
  if (!names) return false;
  let rows: ConversationSummary[] = [];
  if (names.length) {
    // a terminal gets the fitted table, which the full command draws
    if (!args.json && isTTY(1)) return false;
    const read = await summaries(dir, names);
    if (!read) return false;
    rows = read;
  }
  if (await needCommand) return false;
  let text = "";
  const add = (s: string) => (text += s);
  const lines: string[] = [];
  for (let i = 0; i < rows.length; i++) lines.push(rowLine(rows[i]!, args.json ? "json" : "tsv"));
  if (args.json) writeJson(lines, add);
  else if (rows.length || !isTTY(1)) writeTsv(lines, args.header !== false, add);
  if (text) await write(1, text);
  if (!rows.length && !args.quiet) await write(2, `${noneLine(env)}\n`);
  return true;
}
