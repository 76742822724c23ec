// The conversation directory: file names, atomic saves (optionally encrypted), lookups by id or path, listing that
// skips foreign files, and a lock so two processes never append to the same conversation at once.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { ReduxError, ExitCode } from "../errors.ts";
import { CONVERSATION_ID_RE, ConversationFormatError, parseConversation, type Conversation } from "./conversation.ts";
import { isEnvelope, open, seal, type EncryptionKey } from "./envelope.ts";
import { ensurePrivateDir, writeFileAtomic } from "../fs-atomic.ts";
import { lockFile } from "../file-lock.ts";
import { fsError } from "../fs-errors.ts";
import { prettyJsonPieces } from "./json-pieces.ts";

export { lockFile };

export interface StoreOptions {
  dir: string;
  key?: EncryptionKey;
}

export interface StoredConversation {
  path: string;
  conversation: Conversation;
}

/** `20261125T020312Z`: UTC, sortable, safe in a file name. */
const fileTimestamp = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");

export const conversationFileName = (c: Pick<Conversation, "conversation_id" | "created_at">) =>
  `${c.conversation_id}_${fileTimestamp(c.created_at)}.json`;

const FILE_RE = /^([A-Za-z0-9][A-Za-z0-9_-]*)_(\d{8}T\d{6}Z)\.json$/;

/** Saves where the conversation already lives (`path`), or under its canonical name in the directory. */
export function saveConversation(c: Conversation, opts: StoreOptions, path?: string): string {
  const target = path ?? join(opts.dir, conversationFileName(c));
  if (!path) ensureConversationsDir(opts.dir);
  try {
    // unencrypted, the file is written in pieces: a long answer is not copied into one string and then one Buffer
    writeFileAtomic(target, opts.key ? seal(`${JSON.stringify(c, null, 2)}\n`, opts.key) : withNewline(prettyJsonPieces(c)));
  } catch (err) {
    throw fsError(err, target, "save the conversation to");
  }
  return target;
}

function* withNewline(pieces: Iterable<string>) {
  yield* pieces;
  yield "\n";
}

/** A conversations directory that is a file is a setting to fix (exit 2), not an internal error. */
function notADirectory(dir: string, orElse = "") {
  let isFile = false;
  try {
    isFile = !statSync(dir).isDirectory();
  } catch {
    return;
  }
  if (isFile) throw new ReduxError(ExitCode.usage, `the conversations directory ${dir} is not a directory`, `point REDUX_CONVERSATIONS_DIR at a directory (default ~/.amazon-q/conversations)${orElse}`);
}

/** Reads and validates one file; encrypted files need the key. Throws ReduxError (usage) on bad content. */
export function readConversationFile(path: string, key?: EncryptionKey): Conversation {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
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
  if (!CONVERSATION_ID_RE.test(ref)) {
    throw new ReduxError(ExitCode.usage, `invalid conversation id ${JSON.stringify(ref)}`, "ids are letters, digits, - and _; `redux-export list` shows them");
  }
  const names = listFileNames(opts.dir).filter((n) => {
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

function listFileNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith("."));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    if (code === "ENOTDIR") notADirectory(dir);
    throw new ReduxError(ExitCode.usage, `cannot read the conversations directory ${dir}: ${(err as Error).message}`, "check its permissions, or point REDUX_CONVERSATIONS_DIR elsewhere");
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
  for (const name of listFileNames(opts.dir)) {
    const path = join(opts.dir, name);
    let conversation: Conversation;
    try {
      conversation = readConversationFile(path, opts.key);
    } catch (err) {
      skipped.push({ path, reason: (err as Error).message });
      continue;
    }
    yield { path, conversation };
  }
}

/** Every readable conversation in the directory, oldest first by creation time; never throws on a bad file. */
export function listConversations(opts: StoreOptions): ListResult {
  const skipped: ListResult["skipped"] = [];
  const items = [...conversationsIn(opts, skipped)];
  items.sort((a, b) => a.conversation.created_at.localeCompare(b.conversation.created_at) || a.path.localeCompare(b.path));
  return { items, skipped };
}

/** One line for the person: how many files were passed over, and the first one with why. */
export function skippedWarning(skipped: ListResult["skipped"]): string | undefined {
  if (!skipped.length) return undefined;
  const first = skipped[0]!;
  const one = skipped.length === 1;
  return `skipped ${skipped.length} file${one ? "" : "s"} that ${one ? "is not a readable redux conversation" : "are not readable redux conversations"} (${one ? "" : "first: "}${first.reason})`;
}

/**
 * The most recently updated conversation (undefined when there is none), and the files passed over on the way.
 * Without a key, an encrypted file written after it is the real newest: that is refused (exit 2) rather than
 * silently falling back to an older plaintext conversation.
 */
export function newestConversation(opts: StoreOptions): { newest?: StoredConversation; skipped: ListResult["skipped"] } {
  const { items, skipped } = listConversations(opts);
  const newest = items.reduce<StoredConversation | undefined>(
    (best, it) => (!best || it.conversation.updated_at > best.conversation.updated_at ? it : best),
    undefined,
  );
  if (!opts.key && skipped.length) {
    const since = newest ? mtimeMs(newest.path) : -Infinity;
    const newer = skipped.filter((s) => isEncryptedFile(s.path) && mtimeMs(s.path) > since);
    if (newer.length) {
      throw new ReduxError(
        ExitCode.usage,
        `the newest conversation is encrypted and no key was given: ${newer.sort((a, b) => mtimeMs(b.path) - mtimeMs(a.path))[0]!.path}`,
        "pass --key-file PATH or set REDUX_ENCRYPTION_KEY (or the setting chat.encryptionKeyFile); to pick another conversation, use --resume ID (redux-export list)",
      );
    }
  }
  return { newest, skipped };
}

const mtimeMs = (path: string) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
};

function isEncryptedFile(path: string): boolean {
  try {
    return isEnvelope(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return false;
  }
}

/**
 * Names and locks the file a new conversation will be saved in, before its first save, so no other process can take
 * it up (`-c`) while this one may still write it. Creates the conversations directory (0700) when missing.
 */
export function reserveConversation(c: Conversation, opts: StoreOptions): { path: string; release: () => void } {
  ensureConversationsDir(opts.dir);
  const path = join(opts.dir, conversationFileName(c));
  return { path, release: lockFile(path) };
}

/** The conversations directory: created 0700 when missing; one that exists is used as it is. */
export function ensureConversationsDir(dir: string) {
  try {
    ensurePrivateDir(dir);
  } catch (err) {
    notADirectory(dir, ", or pass --no-save");
    throw fsError(err, dir, "create the conversations directory", "set REDUX_CONVERSATIONS_DIR to a writable directory, or pass --no-save");
  }
}
