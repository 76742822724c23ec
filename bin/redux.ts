#!/usr/bin/env bun
// redux: the one executable each release archive ships (multicall). Hard-linked, symlinked or copied as redux-chat,
// redux-test-model or redux-export it runs that command, chosen by the name it was invoked as; as `redux` it takes the
// command as its first argument (`redux chat "hello"`).
import { versionJson, versionLine } from "../lib/version.ts";

import { commands as COMMANDS } from "./commands.ts";

type Name = keyof typeof COMMANDS;
const NAMES = Object.keys(COMMANDS) as Name[];

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
function commandFor(file: string): Name | undefined {
  // by hand: not node:path's basename (importing node:path costs about half a millisecond of every start), nor a
  // RegExp replace or Array.prototype.find, whose first use in a process compiles JavaScriptCore's own JavaScript
  let name = file.slice(Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\")) + 1);
  if (name.length > 4 && name.slice(-4).toLowerCase() === ".exe") name = name.slice(0, -4);
  for (let i = 0; i < NAMES.length; i++) {
    const c = NAMES[i]!;
    if (name === c || (name.startsWith(c) && (name[c.length] === "-" || name[c.length] === "."))) return c;
  }
  return undefined;
}

/** `chat`, `test-model`, `export` (or the full names) as redux's first argument. */
const subcommand = (arg: string | undefined): Name | undefined =>
  arg === undefined ? undefined : Object.hasOwn(COMMANDS, arg) ? (arg as Name) : Object.hasOwn(COMMANDS, `redux-${arg}`) ? (`redux-${arg}` as Name) : undefined;

/** Usage texts rendered at build time (scripts/build.ts), keyed by command path; absent when run from source. */
declare const REDUX_HELP: Record<string, string> | undefined;

const isHelp = (a: string | undefined) => a === "--help" || a === "-h";
const isVersion = (a: string | undefined) => a === "--version" || a === "-v";

/**
 * `--version [--json]`, `--help` and `SUBCOMMAND --help` answered before the command (citty, node:util and the
 * argument definitions) is loaded: start-up is what users of these wait for most. Anything else goes to runCli,
 * which reads argv fully (and answers the same questions the same way).
 */
function answeredBeforeLoading(name: Name, args: string[]): boolean {
  if ((args.length === 1 && isVersion(args[0])) || (args.length === 2 && args.includes("--json") && args.some(isVersion))) {
    console.log(args.length === 2 ? JSON.stringify(versionJson(name)) : versionLine(name));
    return true;
  }
  if (typeof REDUX_HELP === "undefined") return false;
  const text = args.length === 1 && isHelp(args[0]) ? REDUX_HELP[name] : args.length === 2 && isHelp(args[1]) && !args[0]!.startsWith("-") ? REDUX_HELP[`${name} ${args[0]}`] : undefined;
  if (text === undefined) return false;
  console.log(text);
  return true;
}

/** `redux-export list` with only these flags: what scripts run most, answered without the argument parser. */
const QUICK_LIST: Record<string, object> = { "--json": { json: true }, "--no-header": { header: false }, "--header": { header: true }, "-q": { quiet: true }, "--quiet": { quiet: true } };

/** `list` followed only by QUICK_LIST's flags (a plain loop, as in commandFor). */
function onlyQuickListFlags(args: string[]): boolean {
  for (let i = 1; i < args.length; i++) if (!Object.hasOwn(QUICK_LIST, args[i]!)) return false;
  return true;
}

async function quickList(flags: string[]) {
  try {
    const args: object = { header: true };
    for (let i = 0; i < flags.length; i++) Object.assign(args, QUICK_LIST[flags[i]!]);
    // the plain case without node:fs (bin/export/list-fast.ts); anything else by the command itself
    if (await (await import("./export/list-fast.ts")).listFast(args)) return;
    const { list } = await import("./export/list.ts");
    await list(args);
  } catch (err) {
    const { fail } = await import("./shared/cli.ts");
    await fail(err, false, "redux-export list");
  }
}

async function main() {
  // argv0 is the name the process was started under (a symlink's own name, not its target's)
  let name = commandFor(process.argv0);
  let args = process.argv.slice(2);
  if (!name) {
    name = subcommand(args[0]);
    if (name) args = args.slice(1);
  }
  if (name) {
    if (answeredBeforeLoading(name, args)) return;
    // `redux-chat models` piped from a fresh cache, too: before the command (and its parser) is loaded
    if (name === "redux-chat" && args[0] === "models" && (await (await import("./chat/models-fast.ts")).modelsFromCache(args))) return;
    if (name === "redux-export" && args[0] === "list" && onlyQuickListFlags(args)) return quickList(args.slice(1));
    const [{ runCli }, command] = await Promise.all([import("./shared/cli.ts"), COMMANDS[name]()]);
    return runCli(command, args);
  }

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
// exit once done (output is written synchronously): open HTTP/2 sessions must not keep it alive
process.exit(Number(process.exitCode ?? 0));
