#!/usr/bin/env bun
// redux-chat: one-shot prompts (argument or stdin), the interactive REPL, resumable conversations, settings, batch.
import { defineCommand } from "citty";
import { chatArgs } from "./chat/args.ts";
import { exitWhenFlushed, lazy, runCli } from "./shared/cli.ts";
import { VERSION } from "../lib/version.ts";


const main = defineCommand({
  meta: { name: "redux-chat", version: VERSION, description: "Chat with an Amazon Bedrock model using your AWS credentials" },
  args: chatArgs,
  subCommands: {
    settings: lazy({ name: "settings", description: "Show or change settings: settings [KEY [VALUE]], --delete KEY" }, () => import("./chat/settings.ts").then((m) => m.default)),
    batch: lazy({ name: "batch", description: "Run a file of prompts (JSONL or one a line); results as JSON lines" }, () => import("./chat/batch.ts").then((m) => m.default)),
    models: lazy({ name: "models", description: "List the models these credentials can call in a region (or --all-regions)" }, () => import("./chat/models.ts").then((m) => m.default)),
    completion: lazy({ name: "completion", description: "Print a shell completion script: completion bash|zsh|fish" }, () => import("./chat/completion.ts").then((m) => m.default)),
  },
  async run(ctx) {
    const { chat } = await import("./chat/chat.ts");
    await chat(ctx.args, ctx.rawArgs);
  },
});

export default main;

// run as its own file (from source); the compiled binary reaches it through bin/redux.ts
if (import.meta.main) {
  await runCli(main);
  await exitWhenFlushed();
}
