// Reading the conversation directory: one file read and validated (encrypted ones opened with the key), lookups by id
// or path, and listings that skip foreign files. What only reads (redux-export list) loads this and nothing of saving.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { ReduxError, ExitCode } from "../errors.ts";
import { ConversationFormatError, isConversationId, parseConversation, type Conversation } from "./conversation.ts";
import { isEnvelope, open, type EncryptionKey } from "./envelope.ts";

export interface StoreOptions {
  dir: string;
  key?: EncryptionKey;
}

export interface StoredConversation {
  path: string;
  conversation: Conversation;
}

const FILE_RE = /^([A-Za-z0-9][A-Za-z0-9_-]*)_(\d{8}T\d{6}Z)\.json$/;

/** A conversations directory that is a file is a setting to fix (exit 2), not an internal error. */
export function notADirectory(dir: string, orElse = "") {
  let isFile = false;
  try {
    isFile = !statSync(dir).isDirectory();
  } catch {
    return;
  }
  if (isFile) throw new ReduxError(ExitCode.usage, `the conversations directory ${dir} is not a directory`, `point REDUX_CONVERSATIONS_DIR at a directory (default ~/.amazon-q/conversations)${orElse}`);
}

const CHUNK = 1 << 16;
let chunk: Buffer | undefined;

/**
 * A file's text, read into one reused 64 KiB buffer when it fits (most conversations do): listing 50,000 files then
 * allocates no Buffer per file and makes one read() fewer each. Errors are node:fs's own, as readFileSync throws them.
 */
function readText(path: string): string {
  const fd = openSync(path, "r");
  try {
    chunk ??= Buffer.allocUnsafe(CHUNK);
    const n = readSync(fd, chunk, 0, CHUNK, null);
    // a regular file reads short only at its end; a full buffer may have more behind it
    if (n < CHUNK) return chunk.toString("utf8", 0, n);
    return Buffer.concat([chunk, readFileSync(fd)]).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates one file; encrypted files need the key. Throws ReduxError (usage) on bad content. */
export function readConversationFile(path: string, key?: EncryptionKey): Conversation {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ReduxError(
      ExitCode.usage,
      code === "ENOENT" ? `no such conversation file: ${path}` : `cannot read ${path}: ${(err as Error).message}`,
      code === "ENOENT" ? "check the path; `redux-export list` shows the saved conversations" : "check the file's permissions (conversations are saved 0600, readable by their owner only)",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ReduxError(ExitCode.usage, `${path} is not valid JSON`, "it is not a redux conversation, or it was damaged");
  }
  if (isEnvelope(value)) value = JSON.parse(open(value, key, path));
  try {
    return parseConversation(value);
  } catch (err) {
    if (err instanceof ConversationFormatError) throw new ReduxError(ExitCode.usage, `${path} is not a redux conversation: ${err.message}`, "give a file saved by redux-chat (schemas/conversation.schema.json)");
    throw err;
  }
}

/** The shortest id prefix that is looked up (a shorter one would too often match several). */
const MIN_PREFIX = 8;

/** True when `ref` names a file rather than an id: it has a path separator or a .json ending. */
const looksLikePath = (ref: string) => ref.includes("/") || ref.includes(sep) || ref.endsWith(".json");

/**
 * Finds a conversation by id (or a unique id prefix of 8+ characters) inside the directory, or by explicit path.
 * An id can never name a file outside the directory.
 */
export function findConversation(ref: string, opts: StoreOptions): StoredConversation {
  if (looksLikePath(ref)) {
    const path = isAbsolute(ref) ? ref : resolve(ref);
    return { path, conversation: readConversationFile(path, opts.key) };
  }
  if (!isConversationId(ref)) {
    throw new ReduxError(ExitCode.usage, `invalid conversation id ${JSON.stringify(ref)}`, "ids are letters, digits, - and _; `redux-export list` shows them");
  }
  const names = conversationFileNames(opts.dir).filter((n) => {
    const m = FILE_RE.exec(n);
    return m && (m[1] === ref || (ref.length >= MIN_PREFIX && m[1]!.startsWith(ref)));
  });
  const exact = names.filter((n) => FILE_RE.exec(n)![1] === ref);
  const pick = exact.length ? exact : names;
  const ids = new Set(pick.map((n) => FILE_RE.exec(n)![1]));
  if (ids.size === 0 && ref.length < MIN_PREFIX) {
    throw new ReduxError(ExitCode.usage, `no conversation ${ref} in ${opts.dir}, and ${JSON.stringify(ref)} is too short for an id prefix`, `give at least ${MIN_PREFIX} characters of the id (or all of it); \`redux-export list\` shows them`);
  }
  if (ids.size === 0) throw new ReduxError(ExitCode.usage, `no conversation ${ref} in ${opts.dir}`, "`redux-export list` shows the saved conversations");
  if (ids.size > 1) throw new ReduxError(ExitCode.usage, `${ref} matches ${ids.size} conversations`, "give more of the id");
  const path = join(opts.dir, pick.sort().at(-1)!);
  return { path, conversation: readConversationFile(path, opts.key) };
}

/** The names of the `.json` files in the directory (not hidden ones: temp files), in directory order; none when it is missing. */
export function conversationFileNames(dir: string): string[] {
  let all: string[];
  try {
    all = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    if (code === "ENOTDIR") notADirectory(dir);
    throw new ReduxError(ExitCode.usage, `cannot read the conversations directory ${dir}: ${(err as Error).message}`, "check its permissions, or point REDUX_CONVERSATIONS_DIR elsewhere");
  }
  // a plain loop: the first call of Array.prototype.filter alone costs a start-up a third of a million instructions
  const names: string[] = [];
  for (let i = 0; i < all.length; i++) if (all[i]!.endsWith(".json") && all[i]![0] !== ".") names.push(all[i]!);
  return names;
}

/** `join(dir, name)` for every name a directory listing gives (no separators, not `.` or `..`): joined once. */
export function pathInDir(dir: string): (name: string) => string {
  const prefix = join(dir, "x").slice(0, -1);
  return (name) => prefix + name;
}

/** One file read and validated, or the reason it was passed over added to `skipped` (undefined then). */
export function readOrSkip(path: string, key: EncryptionKey | undefined, skipped: ListResult["skipped"]): Conversation | undefined {
  try {
    return readConversationFile(path, key);
  } catch (err) {
    skipped.push({ path, reason: (err as Error).message });
    return undefined;
  }
}

export interface ListResult {
  items: StoredConversation[];
  /** Files skipped, each with why: corrupted, foreign, or encrypted without the key. */
  skipped: { path: string; reason: string }[];
}

/**
 * Every readable conversation in the directory, read one at a time in directory order and kept by no one (a bulk
 * export stays flat in memory); files passed over are added to `skipped`. Never throws on a bad file.
 */
export function* conversationsIn(opts: StoreOptions, skipped: ListResult["skipped"]): Generator<StoredConversation> {
  const pathOf = pathInDir(opts.dir);
  for (const name of conversationFileNames(opts.dir)) {
    const path = pathOf(name);
    const conversation = readOrSkip(path, opts.key, skipped);
    if (conversation) yield { path, conversation };
  }
}

/**
 * The order the store's listings print in (`--all`, `prune`; `--last` keeps the first of the newest by it): oldest
 * first by creation time, ties by path, both by localeCompare as they always were (`list`'s rows use code points).
 */
export const oldestFirst = (a: { created: string; path: string }, b: { created: string; path: string }) =>
  a.created.localeCompare(b.created) || a.path.localeCompare(b.path);

/** One line for the person: how many files were passed over, and the first one with why. */
export function skippedWarning(skipped: ListResult["skipped"]): string | undefined {
  if (!skipped.length) return undefined;
  const first = skipped[0]!;
  const one = skipped.length === 1;
  return `skipped ${skipped.length} file${one ? "" : "s"} that ${one ? "is not a readable redux conversation" : "are not readable redux conversations"} (${one ? "" : "first: "}${first.reason})`;
}
