// redux-export prune: delete conversations not updated for a while (a retention policy for servers).
import { defineCommand } from "citty";
import { exportStore } from "../../lib/conversations/export-store.ts";
import { parseDuration } from "../../lib/conversations/listing.ts";
import { skippedWarning } from "../../lib/conversations/store-read.ts";
import { carryOut, planPrune } from "../../lib/conversations/prune.ts";
import { usageError } from "../../lib/errors.ts";
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
    const plan = planPrune(store);
    const warning = skippedWarning(plan.skipped);
    if (warning) ui.warn(`${warning}; those are never deleted`);
    const { removed, busy, orphans } = carryOut(plan, store, cutoff, Boolean(args["dry-run"]));
    const total = plan.rows.length;
    if (args.json) out(`${JSON.stringify({ dry_run: Boolean(args["dry-run"]), removed, kept: total - removed.length, in_use: busy, attachments_removed: orphans.length })}\n`);
    else for (const p of removed) out(`${p}\n`);
    ui.info(`${args["dry-run"] ? "would delete" : "deleted"} ${removed.length} of ${total} conversations${busy ? ` (${busy} in use, kept)` : ""}${orphans.length ? `, and ${orphans.length} attachments no conversation uses` : ""}`);
  },
});
