// The export action: one conversation (id, path, or --last) to stdout or a file, or --all to a directory.
import type { ParsedArgs } from "citty";
import { join } from "node:path";
import type { exportArgs } from "./args.ts";
import { exportStore, filteredConversations, filteredOldestFirst } from "../../lib/conversations/export-store.ts";
import { findConversation, skippedWarning } from "../../lib/conversations/store-read.ts";
import { newestConversation } from "../../lib/conversations/newest.ts";
import { attachmentReader } from "../../lib/conversations/attachments.ts";
import { parseFormat, render } from "../../lib/conversations/export-formats.ts";
import { mkdirSync } from "node:fs";
import { durableWrites, writeFileAtomic } from "../../lib/fs-atomic.ts";
import { fsError, onPath } from "../../lib/fs-errors.ts";
import { usageError } from "../../lib/errors.ts";
import type { Filters } from "../../lib/conversations/listing.ts";
import { createUi } from "../shared/ui.ts";
import { out } from "../shared/io.ts";

type ExportArgs = ParsedArgs<typeof exportArgs>;

export async function exportConversations(args: ExportArgs) {
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  const format = parseFormat(args.format);
  const picks = [args.conversation ? "ID|PATH" : "", args.all ? "--all" : "", args.last ? "--last" : ""].filter(Boolean);
  if (picks.length !== 1) {
    throw usageError(picks.length ? `give only one of ${picks.join(", ")}` : "which conversation?", "redux-export ID|PATH, --last or --all (redux-export list shows the ids)");
  }
  // the filters choose among conversations for --all; with --last or an id they would be silently ignored
  const filter = (["since", "until", "model", "status"] as const).find((k) => args[k] !== undefined);
  if (filter && !args.all) {
    throw usageError(`--${filter} selects conversations for --all (and redux-export list), not for ${picks[0]}`, `drop --${filter}, or find the id with: redux-export list --${filter} …`);
  }
  const store = exportStore(args["key-file"]);

  if (args.all && !args.output) {
    if (format !== "jsonl") throw usageError("--all writes one file per conversation: give a directory with -o", "or use --format jsonl to stream every conversation to stdout");
    // in the order of creation, one conversation in memory at a time: the order is found first, from the files' dates
    const found = filteredOldestFirst(store, args);
    const warning = skippedWarning(found.skipped);
    if (warning) ui.warn(warning);
    const gone: typeof found.skipped = [];
    let pending = "";
    for (const it of found.conversations(gone)) {
      pending += render(it.conversation, format, attachmentReader(store));
      // gathered into 64 KiB writes: a write per conversation was 10,000 system calls
      if (pending.length >= 1 << 16) {
        out(pending);
        pending = "";
      }
    }
    if (pending) out(pending);
    const late = skippedWarning(gone);
    if (late) ui.warn(`${late}, changed while the export ran`);
    return;
  }
  if (args.all) {
    const dir = args.output!;
    // an export directory is the person's, not redux's: created like mkdir -p (the umask decides), never chmodded
    onPath(dir, "create the export directory", () => mkdirSync(dir, { recursive: true }));
    // one conversation in memory at a time; complete files or none under their final names (see durableWrites)
    const files = durableWrites(dir, { mode: "umask" });
    const skipped: { path: string; reason: string }[] = [];
    let n = 0;
    try {
      for (const it of filteredConversations(store, args, skipped)) {
        const name = `${it.conversation.conversation_id}.${format}`;
        try {
          files.write(name, render(it.conversation, format, attachmentReader(store)));
        } catch (err) {
          throw fsError(err, join(dir, name), "write");
        }
        n++;
      }
    } catch (err) {
      files.abandon();
      throw err;
    }
    try {
      const how = await files.done();
      ui.debug(`${n} file${n === 1 ? "" : "s"} synced to disk (${how === "syncfs" ? "one syncfs of the file system" : "an fsync each"}) and the directory fsynced`);
    } catch (err) {
      // the file the fsync pass failed on, when it says
      throw fsError(err, (err as NodeJS.ErrnoException).path ?? dir, "write");
    }
    const warning = skippedWarning(skipped);
    if (warning) ui.warn(warning);
    ui.success(`exported ${n} conversation${n === 1 ? "" : "s"} to ${dir}`);
    return;
  }

  let found;
  if (args.last) {
    const r = newestConversation(store);
    const warning = skippedWarning(r.skipped);
    if (warning) ui.warn(warning);
    found = r.newest;
  } else found = findConversation(args.conversation!, store);
  if (!found) throw usageError(`no conversations in ${store.dir}`, "start one with redux-chat, or point REDUX_CONVERSATIONS_DIR at the directory that has them");
  const text = render(found.conversation, format, attachmentReader(store));
  if (args.output) {
    const file = args.output;
    onPath(file, "write", () => writeFileAtomic(file, text, { mode: "umask" }));
    ui.success(`wrote ${args.output}`);
  } else {
    out(text);
  }
}
