// redux-export prune: delete conversations not updated for a while (a retention policy for servers).
import { defineCommand } from "citty";
import { rmSync } from "node:fs";
import { listFiltered, exportStore } from "../../lib/conversations/export-store.ts";
import { parseDuration } from "../../lib/conversations/listing.ts";
import { lockFile, readConversationFile, skippedWarning } from "../../lib/conversations/store.ts";
import { pruneAttachments } from "../../lib/conversations/attachments.ts";
import { onPath } from "../../lib/fs-errors.ts";
import { isReduxError, usageError } from "../../lib/errors.ts";
import { keyArgs, outputArgs } from "../shared/args.ts";
import { createUi } from "../shared/ui.ts";
import { out } from "../shared/io.ts";

export default defineCommand({
  meta: { name: "prune", description: "Delete conversations not updated for longer than --older-than" },
  args: {
    "older-than": { type: "string", description: "age to delete past: 30d, 12h, 2w", valueHint: "age" },
    "dry-run": { type: "boolean", description: "only print what would be deleted" },
    ...keyArgs,
    ...outputArgs,
    json: { ...outputArgs.json, description: "print one JSON object: {dry_run, removed, kept, in_use, attachments_removed} (schemas/prune-output.schema.json)" },
  },
  run({ args }) {
    const ui = createUi({ quiet: args.quiet, debug: args.debug });
    if (args["older-than"] === undefined) throw usageError("prune needs --older-than", "e.g. redux-export prune --older-than 30d --dry-run");
    const cutoff = Date.now() - parseDuration(args["older-than"], "--older-than");
    const store = exportStore(args["key-file"]);
    const { items, skipped } = listFiltered(store, {});
    const warning = skippedWarning(skipped);
    if (warning) ui.warn(`${warning}; those are never deleted`);
    const removed: string[] = [];
    let busy = 0;
    for (const it of items) {
      if (Date.parse(it.conversation.updated_at) >= cutoff) continue;
      if (args["dry-run"]) {
        removed.push(it.path);
        continue;
      }
      let release: () => void;
      try {
        release = lockFile(it.path);
      } catch (err) {
        if (!isReduxError(err)) throw err;
        busy++;
        continue;
      }
      try {
        // decided from the listing, checked again under the lock: it may have been continued since
        let fresh;
        try {
          fresh = readConversationFile(it.path, store.key);
        } catch {
          continue; // gone, or no longer a conversation we can read: not ours to delete
        }
        if (Date.parse(fresh.updated_at) >= cutoff) {
          it.conversation = fresh; // kept: its attachments are the ones it names now
          continue;
        }
        onPath(it.path, "delete", () => rmSync(it.path, { force: true }));
        removed.push(it.path);
      } finally {
        release();
      }
    }
    // stored attachments go with the last conversation that named them (unless some file could not be read: it may name them)
    const gone = new Set(removed);
    const orphans = skipped.length ? [] : pruneAttachments(store, items.filter((it) => !gone.has(it.path)).map((it) => it.conversation), { dryRun: args["dry-run"] });
    if (args.json) out(`${JSON.stringify({ dry_run: Boolean(args["dry-run"]), removed, kept: items.length - removed.length, in_use: busy, attachments_removed: orphans.length })}\n`);
    else for (const p of removed) out(`${p}\n`);
    ui.info(`${args["dry-run"] ? "would delete" : "deleted"} ${removed.length} of ${items.length} conversations${busy ? ` (${busy} in use, kept)` : ""}${orphans.length ? `, and ${orphans.length} attachments no conversation uses` : ""}`);
  },
});
