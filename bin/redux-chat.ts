#!/usr/bin/env bun
// redux-chat: one-shot prompts (argument or stdin), the interactive REPL, resumable conversations, settings, batch.
import { defineCommand } from "citty";
import { chatArgs } from "./chat/args.ts";
import { exitWhenFlushed, runCli } from "./shared/cli.ts";
import { VERSION } from "../lib/version.ts";


const main = defineCommand({
  meta: { name: "redux-chat", version: VERSION, description: "Chat with an Amazon Bedrock model using your AWS credentials" },
  args: chatArgs,
  subCommands: {
    settings: () => import("./chat/settings.ts").then((m) => m.default),
    batch: () => import("./chat/batch.ts").then((m) => m.default),
  },
  async run(ctx) {
    const { chat } = await import("./chat/chat.ts");
    await chat(ctx.args, ctx.rawArgs);
  },
});

await runCli(main);
await exitWhenFlushed();
