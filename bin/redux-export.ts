#!/usr/bin/env bun
// redux-export: list, export (json, jsonl, md, html, txt), prune and import saved conversations.
import { defineCommand } from "citty";
import { exitWhenFlushed, lazy, runCli } from "./shared/cli.ts";
import { filterArgs, keyArgs, outputArgs } from "./shared/args.ts";
import { VERSION } from "../lib/version.ts";

const main = defineCommand({
  meta: { name: "redux-export", version: VERSION, description: "Export saved conversations: redux-export ID|PATH --format md, or --all, --last" },
  args: {
    format: { type: "string", alias: "f", description: "json, jsonl, md, html or txt (default md)", valueHint: "format" },
    output: { type: "string", alias: "o", description: "write to this file (with --all: this directory) instead of stdout", valueHint: "path" },
    all: { type: "boolean", description: "export every conversation that matches the filters" },
    last: { type: "boolean", description: "export the most recently updated conversation" },
    ...filterArgs,
    ...keyArgs,
    // no --json: an export prints the chosen format (-f json for the file itself)
    quiet: outputArgs.quiet,
    debug: outputArgs.debug,
    conversation: { type: "positional", required: false, description: "conversation id (or its first 8+ characters) or a file path" },
  },
  subCommands: {
    list: lazy({ name: "list", description: "List saved conversations (newest first)" }, () => import("./export/list.ts").then((m) => m.default)),
    prune: lazy({ name: "prune", description: "Delete conversations not updated for longer than --older-than" }, () => import("./export/prune.ts").then((m) => m.default)),
    import: lazy({ name: "import", description: "Import Amazon Q CLI conversations (/save files, a directory of them, or its data.sqlite3)" }, () => import("./export/import.ts").then((m) => m.default)),
  },
  async run({ args }) {
    const { exportConversations } = await import("./export/export.ts");
    await exportConversations(args);
  },
});

export default main;

// run as its own file (from source); the compiled binary reaches it through bin/redux.ts
if (import.meta.main) {
  await runCli(main);
  await exitWhenFlushed();
}
