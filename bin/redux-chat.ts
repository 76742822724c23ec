#!/usr/bin/env bun
// redux-chat: one-shot prompts (argument or stdin), the interactive REPL, resumable conversations, settings, batch.
import { defineCommand } from "citty";
import { chatArgs } from "./chat/args.ts";
import { exitWhenFlushed, runCli } from "./shared/cli.ts";
import { subCommands } from "./commands.ts";
import { VERSION } from "../lib/version.ts";

const main = defineCommand({
  meta: { name: "redux-chat", version: VERSION, description: "Chat with an Amazon Bedrock model using your AWS credentials" },
  args: chatArgs,
  subCommands: subCommands["redux-chat"],
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
