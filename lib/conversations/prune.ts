// redux-export prune's work: which conversations are older than the cutoff, found in one pass that keeps a few fields
// of each (its path, dates and stored attachments), then each one deleted after it is read again under its lock.
// One conversation is in memory at a time, however many the directory holds.
import { rmSync } from "node:fs";
import { conversationsIn, oldestFirst, readConversationFile, type ListResult, type StoreOptions } from "./store-read.ts";
import { pruneAttachments, storedAttachments } from "./attachments.ts";
import { lockFile } from "../file-lock.ts";
import { onPath } from "../fs-errors.ts";
import { isReduxError } from "../errors.ts";

/** What prune keeps of a conversation between its two reads. */
export interface PruneRow {
  path: string;
  created: string;
  /** updated_at, parsed. */
  updated: number;
  /** The attachments/ names it refers to (storedAttachments); none for most. */
  files: string[];
}

export interface PrunePlan {
  /** Every readable conversation, oldest first by created_at, ties by path (both by localeCompare, as listed before). */
  rows: PruneRow[];
  /** Files passed over (directory order): never deleted, and while there are any, no attachment is either. */
  skipped: ListResult["skipped"];
}

const NONE: string[] = [];

/** The directory read once, keeping a row per conversation and none of its messages. */
export function planPrune(store: StoreOptions): PrunePlan {
  const skipped: ListResult["skipped"] = [];
  const rows: PruneRow[] = [];
  for (const { path, conversation: c } of conversationsIn(store, skipped)) {
    const files = storedAttachments(c);
    rows.push({ path, created: c.created_at, updated: Date.parse(c.updated_at), files: files.length ? files : NONE });
  }
  // the order the paths are printed in: the stable sort of the whole listing that prune used to make
  rows.sort(oldestFirst);
  return { rows, skipped };
}

export interface PruneResult {
  /** Paths deleted (or, dry, that would be), in the plan's order. */
  removed: string[];
  /** Conversations left because another process holds their lock. */
  busy: number;
  /** Stored attachments deleted (or that would be). */
  orphans: string[];
}

/**
 * Deletes the plan's conversations last updated before `cutoff` (ms). Each is locked and read again first: one that
 * was continued since the plan (updated_at moved past the cutoff) is kept, with the attachments it names now, and
 * one that is gone or no longer readable is not ours to delete. `dryRun` only reports, from the plan.
 */
export function carryOut(plan: PrunePlan, store: StoreOptions, cutoff: number, dryRun: boolean): PruneResult {
  const removed: string[] = [];
  const kept: PruneRow[] = [];
  let busy = 0;
  for (const row of plan.rows) {
    if (row.updated >= cutoff) kept.push(row);
    else if (dryRun) removed.push(row.path);
    else {
      const outcome = deleteIfStillOld(row, store, cutoff);
      if (outcome === "deleted") removed.push(row.path);
      else kept.push(row);
      if (outcome === "busy") busy++;
    }
  }
  // stored attachments go with the last conversation that named them (unless some file could not be read: it may name them)
  const used = new Set<string>();
  for (const row of kept) for (const f of row.files) used.add(f);
  const orphans = plan.skipped.length ? [] : pruneAttachments(store, used, { dryRun });
  return { removed, busy, orphans };
}

/** One conversation deleted under its lock if it is still older than the cutoff; `row.files` follows a kept one. */
function deleteIfStillOld(row: PruneRow, store: StoreOptions, cutoff: number): "deleted" | "kept" | "busy" {
  let release: () => void;
  try {
    release = lockFile(row.path);
  } catch (err) {
    if (!isReduxError(err)) throw err;
    return "busy";
  }
  try {
    let fresh;
    try {
      fresh = readConversationFile(row.path, store.key);
    } catch {
      return "kept"; // gone, or no longer a conversation we can read: not ours to delete
    }
    if (Date.parse(fresh.updated_at) >= cutoff) {
      row.files = storedAttachments(fresh);
      return "kept";
    }
    onPath(row.path, "delete", () => rmSync(row.path, { force: true }));
    return "deleted";
  } finally {
    release();
  }
}
