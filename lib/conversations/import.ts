// Importing Amazon Q CLI history into the conversation directory, idempotently: the imported id is derived from the
// source's id, so a second import finds the first copy and adds nothing, and a source with more turns updates it.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { convertQState, readQSources, QFormatError, type QSkip } from "./amazon-q.ts";
import { conversationFileName, readConversationFile, saveConversation, lockFile, type StoreOptions } from "./store.ts";
import type { Conversation, Message } from "./conversation.ts";
import { ExitCode, ReduxError, isReduxError } from "../errors.ts";

export type ImportAction = "imported" | "updated" | "unchanged";

/** What `redux-export import --json` prints (schemas/import-result.schema.json). */
export interface ImportResult {
  dry_run: boolean;
  imported: number;
  updated: number;
  unchanged: number;
  /** Conversations with no turns (opened and left in Amazon Q): nothing to import, not an error. */
  empty: number;
  skipped: QSkip[];
  conversations: { conversation_id: string; action: ImportAction; source: string; path: string }[];
}

// compared without timestamps: a source without them gets stand-ins that move with its modification time
const shape = (ms: Message[]) => ms.map((m) => JSON.stringify([m.role, m.content]));
const samePrefix = (a: string[], b: string[], n: number) => a.length >= n && b.length >= n && a.slice(0, n).every((x, i) => x === b[i]);

function existingFiles(dir: string): Map<string, string> {
  const byId = new Map<string, string>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // no directory yet: nothing imported before
  }
  for (const n of names.sort()) {
    const m = /^(q-[A-Za-z0-9_-]+)_\d{8}T\d{6}Z\.json$/.exec(n);
    if (m) byId.set(m[1]!, join(dir, n));
  }
  return byId;
}

type Decision = { action: ImportAction; write?: Conversation } | { skip: string };

/** What to do with a converted source given the copy already in the directory (if any). */
export function decide(next: Conversation, existing: Conversation | undefined): Decision {
  if (!existing) return { action: "imported", write: next };
  const k = existing.source?.message_count ?? existing.messages.length;
  const have = shape(existing.messages.slice(0, k));
  const got = shape(next.messages);
  if (got.length <= k) {
    if (samePrefix(have, got, got.length)) return { action: "unchanged" };
  } else if (samePrefix(have, got, k)) {
    if (existing.messages.length > k) return { skip: "the imported copy was continued in redux since; it is kept as it is" };
    return { action: "updated", write: { ...next, created_at: existing.created_at } };
  }
  return { skip: "it no longer matches the imported copy (compacted in Amazon Q?); the copy is kept as it is" };
}

/**
 * Imports every conversation found under `paths`. Damaged files and rows are skipped with a reason and never stop
 * the rest; a path that does not exist throws (exit 2) before anything is written.
 */
export async function importAmazonQ(paths: string[], store: StoreOptions, o: { dryRun?: boolean; now?: Date } = {}): Promise<ImportResult> {
  const { sources, skipped } = await readQSources(paths);
  const result: ImportResult = { dry_run: Boolean(o.dryRun), imported: 0, updated: 0, unchanged: 0, empty: 0, skipped, conversations: [] };
  const files = existingFiles(store.dir);
  // a /save file and a database row of the same conversation meet here: the later one compares with the earlier
  const seen = new Map<string, Conversation>();
  for (const src of sources) {
    let next: Conversation;
    try {
      next = convertQState(src, o.now);
    } catch (err) {
      if (!(err instanceof QFormatError)) throw err;
      skipped.push({ source: src.origin, reason: err.message });
      continue;
    }
    if (next.messages.length === 0) {
      result.empty++;
      continue;
    }
    const id = next.conversation_id;
    const path = files.get(id);
    let existing = seen.get(id);
    if (!existing && path) {
      try {
        existing = readConversationFile(path, store.key);
      } catch (err) {
        skipped.push({ source: src.origin, reason: `the imported copy ${path} cannot be read: ${isReduxError(err) ? err.message : String(err)}` });
        continue;
      }
    }
    const d = decide(next, existing);
    if ("skip" in d) {
      skipped.push({ source: src.origin, reason: d.skip });
      continue;
    }
    let target = path ?? join(store.dir, conversationFileName(next));
    if (d.write && !o.dryRun) {
      try {
        target = write(d.write, store, path, existing?.messages.length ?? 0);
      } catch (err) {
        if (!isReduxError(err)) throw err;
        skipped.push({ source: src.origin, reason: err.message });
        continue;
      }
      files.set(id, target);
    }
    if (d.write) seen.set(id, d.write);
    else if (existing) seen.set(id, existing);
    result[d.action]++;
    result.conversations.push({ conversation_id: id, action: d.action, source: src.origin, path: target });
  }
  return result;
}

function write(c: Conversation, store: StoreOptions, path: string | undefined, expected: number): string {
  if (!path) return saveConversation(c, store);
  // an update rewrites a file someone may be continuing right now: the lock says so (exit 8 becomes a skip), and a
  // turn added between our read and the lock is never overwritten
  const release = lockFile(path);
  try {
    if (readConversationFile(path, store.key).messages.length !== expected) {
      throw new ReduxError(ExitCode.locked, `${path} changed while importing; run the import again`);
    }
    return saveConversation(c, store, path);
  } finally {
    release();
  }
}
