#!/usr/bin/env bun
// redux-export: list, export (json, jsonl, md, html, txt), prune and import saved conversations.
import { defineCommand } from "citty";
import { exitWhenFlushed, runCli } from "./shared/cli.ts";
import { subCommands } from "./commands.ts";
import { exportArgs } from "./export/args.ts";
import { VERSION } from "../lib/version.ts";

const main = defineCommand({
  meta: { name: "redux-export", version: VERSION, description: "Export saved conversations: redux-export ID|PATH --format md, or --all, --last" },
  args: exportArgs,
  subCommands: subCommands["redux-export"],
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
