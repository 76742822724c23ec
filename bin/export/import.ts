// redux-export import: bring Amazon Q Developer CLI history (its /save files and its database) into redux.
import { defineCommand } from "citty";
import { existsSync } from "node:fs";
import { exportStore } from "../../lib/conversations/export-store.ts";
import { importAmazonQ } from "../../lib/conversations/import.ts";
import { amazonQDatabasePath } from "../../lib/paths.ts";
import { ExitCode, usageError } from "../../lib/errors.ts";
import { keyArgs, outputArgs } from "../shared/args.ts";
import { createUi } from "../shared/ui.ts";
import { out } from "../shared/io.ts";

export default defineCommand({
  meta: { name: "import", description: "Import Amazon Q CLI conversations (/save files, a directory of them, or its data.sqlite3)" },
  args: {
    "dry-run": { type: "boolean", description: "only say what would be imported; write nothing" },
    ...keyArgs,
    ...outputArgs,
    json: { ...outputArgs.json, description: "print one JSON object: what was imported and skipped (schemas/import-result.schema.json)" },
    path: { type: "positional", required: false, description: "a /save JSON file, a directory of them, or data.sqlite3 (repeatable; default: the Amazon Q CLI's database)" },
  },
  async run({ args }) {
    const ui = createUi({ quiet: args.quiet, debug: args.debug });
    let paths = args._.map(String);
    if (paths.length === 0) {
      const db = amazonQDatabasePath();
      if (!existsSync(db)) throw usageError(`no Amazon Q CLI database at ${db}`, "give the path of a /save file, a directory of them, or data.sqlite3");
      paths = [db];
    }
    const r = await importAmazonQ(paths, exportStore(args["key-file"]), { dryRun: args["dry-run"] });
    if (args.json) out(`${JSON.stringify(r)}\n`);
    for (const s of r.skipped) ui.warn(`skipped ${s.source}: ${s.reason}`);
    const verb = r.dry_run ? "would import" : "imported";
    ui.info(`${verb} ${r.imported}, ${r.dry_run ? "would update" : "updated"} ${r.updated}, ${r.unchanged} already present${r.empty ? `, ${r.empty} empty` : ""}${r.skipped.length ? `, ${r.skipped.length} skipped` : ""}`);
    if (r.skipped.length) process.exitCode = ExitCode.partial;
  },
});
