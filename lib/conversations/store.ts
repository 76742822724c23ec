// The conversation directory: file names, atomic saves (optionally encrypted), and a lock so two processes never
// append to the same conversation at once. Reading (lookups by id or path, listings) is in store-read.ts, re-exported.
import { join } from "node:path";
import type { Conversation } from "./conversation.ts";
import { seal } from "./envelope.ts";
import { ensurePrivateDir, writeFileAtomic } from "../fs-atomic.ts";
import { lockFile } from "../file-lock.ts";
import { fsError } from "../fs-errors.ts";
import { prettyJsonPieces } from "./json-pieces.ts";
import { notADirectory, type StoreOptions } from "./store-read.ts";

export { lockFile };
export * from "./store-read.ts";
export { newestConversation } from "./newest.ts";

/** `20261125T020312Z`: UTC, sortable, safe in a file name. */
const fileTimestamp = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");

export const conversationFileName = (c: Pick<Conversation, "conversation_id" | "created_at">) =>
  `${c.conversation_id}_${fileTimestamp(c.created_at)}.json`;

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
function ensureConversationsDir(dir: string) {
  try {
    ensurePrivateDir(dir);
  } catch (err) {
    notADirectory(dir, ", or pass --no-save");
    throw fsError(err, dir, "create the conversations directory", "set REDUX_CONVERSATIONS_DIR to a writable directory, or pass --no-save");
  }
}
