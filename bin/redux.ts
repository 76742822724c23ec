#!/usr/bin/env bun
// redux: the one executable each release archive ships (multicall). Hard-linked, symlinked or copied as redux-chat,
// redux-test-model or redux-export it runs that command, chosen by the name it was invoked as; as `redux` it takes the
// command as its first argument (`redux chat "hello"`).
import { basename } from "node:path";
import { exitWhenFlushed, runCli } from "./shared/cli.ts";
import { versionJson, versionLine } from "../lib/version.ts";

const COMMANDS = {
  "redux-chat": () => import("./redux-chat.ts"),
  "redux-test-model": () => import("./redux-test-model.ts"),
  "redux-export": () => import("./redux-export.ts"),
} as const;
type Name = keyof typeof COMMANDS;

const USAGE = `redux: chat with Amazon Bedrock models, smoke-test them and export conversations, with your AWS credentials

USAGE redux <command> [ARGS]    (or run it under the command's own name: redux-chat, redux-test-model, redux-export)

COMMANDS

        chat    one-shot prompts, the REPL, conversations, settings, batch (redux-chat)
  test-model    credentials, identity and a tiny model call (redux-test-model)
      export    list, export and prune saved conversations (redux-export)

Use redux <command> --help for a command's options; redux --version [--json] for the build.`;

/**
 * The command a file name stands for: `redux-chat`, `redux-chat.exe`, and renamed copies that keep the name in front
 * (`redux-chat-0.2.0`, `redux-chat.old`). Anything else is the `redux` dispatcher.
 */
export function commandFor(file: string): Name | undefined {
  const name = basename(file).replace(/\.exe$/i, "");
  return (Object.keys(COMMANDS) as Name[]).find((c) => name === c || name.startsWith(`${c}-`) || name.startsWith(`${c}.`));
}

/** `chat`, `test-model`, `export` (or the full names) as redux's first argument. */
const subcommand = (arg: string | undefined): Name | undefined =>
  arg === undefined ? undefined : Object.hasOwn(COMMANDS, arg) ? (arg as Name) : Object.hasOwn(COMMANDS, `redux-${arg}`) ? (`redux-${arg}` as Name) : undefined;

async function main() {
  // argv0 is the name the process was started under (a symlink's own name, not its target's)
  let name = commandFor(process.argv0);
  let args = process.argv.slice(2);
  if (!name) {
    name = subcommand(args[0]);
    if (name) args = args.slice(1);
  }
  if (name) return runCli((await COMMANDS[name]()).default, args);

  const first = args[0];
  if (first === "--help" || first === "-h") return void console.log(USAGE);
  if ((first === "--version" || first === "-v") && args.length === 1) return void console.log(versionLine("redux"));
  if (args.length === 2 && args.includes("--json") && args.some((a) => a === "--version" || a === "-v")) return void console.log(JSON.stringify(versionJson("redux")));
  const { usageError } = await import("../lib/errors.ts");
  const { createUi } = await import("./shared/ui.ts");
  createUi().error(usageError(first === undefined ? "no command given" : `unknown command ${first}`, "redux chat|test-model|export [ARGS], or see redux --help"));
  process.exitCode = 2;
}

await main();
await exitWhenFlushed();
