// Runs a citty command the redux way: `--version` answered before anything is loaded, lazy subcommands, unknown
// flags refused, and every error mapped to one clear line, a hint and its documented exit code.
import type { ArgsDef, CommandDef } from "citty";
import { versionJson, versionLine } from "../../lib/version.ts";

type AnyCommand = CommandDef<any>;

const resolve = async <T>(v: T | (() => T | Promise<T>) | Promise<T> | undefined): Promise<T | undefined> =>
  typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function flagNames(def: ArgsDef) {
  const value = new Set<string>();
  const bool = new Set<string>();
  for (const [name, d] of Object.entries(def)) {
    if (d.type === "positional") continue;
    const alias = (d as { alias?: string | string[] }).alias;
    const names = [name, kebab(name), ...(Array.isArray(alias) ? alias : alias ? [alias] : [])];
    for (const n of names) (d.type === "boolean" ? bool : value).add(n);
  }
  bool.add("help").add("h");
  return { value, bool };
}

function firstPositional(rawArgs: string[], def: ArgsDef): number {
  const { value } = flagNames(def);
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") return -1;
    if (a.startsWith("-") && a !== "-") {
      if (!a.includes("=") && value.has(a.replace(/^-{1,2}/, ""))) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** Refuses flags the command does not define (citty would silently ignore a typo like --temprature). */
function checkFlags(rawArgs: string[], def: ArgsDef) {
  const { value, bool } = flagNames(def);
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") return;
    if (!a.startsWith("-") || a === "-" || /^-\d/.test(a)) continue;
    const name = a.replace(/^-{1,2}/, "").split("=")[0]!;
    if (value.has(name)) {
      if (!a.includes("=")) {
        if (i + 1 >= rawArgs.length) return `${a} needs a value`;
        i++;
      }
      continue;
    }
    if (bool.has(name) || (name.startsWith("no-") && bool.has(name.slice(3)))) continue;
    return `unknown option ${a}`;
  }
}

/**
 * A lazily loaded subcommand that still knows its name and description, so `--help` can list it without loading it
 * (and everything it imports).
 */
export const lazy = <T>(meta: { name: string; description: string }, load: () => Promise<T>) => Object.assign(() => load(), { meta });

const helpStubs = (subs: Record<string, unknown> | undefined) =>
  subs && Object.fromEntries(Object.entries(subs).map(([k, v]) => [k, typeof v === "function" && "meta" in v ? { meta: (v as { meta: object }).meta } : v]));

/** Every value given for a repeatable flag (`--stop a --stop b`); citty keeps only the last. */
export function repeated(rawArgs: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (a === `--${name}` && i + 1 < rawArgs.length) out.push(rawArgs[++i]!);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out;
}

/** Usage texts rendered at build time (scripts/build.ts), keyed by command path; absent when run from source. */
declare const REDUX_HELP: Record<string, string> | undefined;

const isHelp = (a: string) => a === "--help" || a === "-h";

/** The command path a `--help` asks about (`redux-chat batch`), from positionals that name subcommands. */
function helpKey(main: AnyCommand, rawArgs: string[]): string {
  const subs = typeof main.subCommands === "object" && main.subCommands ? Object.keys(main.subCommands) : [];
  const first = rawArgs.find((a) => !a.startsWith("-"));
  const name = (main.meta as { name?: string } | undefined)?.name ?? "";
  return first && subs.includes(first) ? `${name} ${first}` : name;
}

export async function runCli(main: AnyCommand, rawArgs = process.argv.slice(2)) {
  const isVersion = (a: string | undefined) => a === "--version" || a === "-v";
  if ((rawArgs.length === 1 && isVersion(rawArgs[0])) || (rawArgs.length === 2 && rawArgs.includes("--json") && rawArgs.some(isVersion))) {
    const name = (main.meta as { name?: string } | undefined)?.name ?? "redux";
    // console.log: the cheapest way to stdout in Bun (see io.ts)
    console.log(rawArgs.length === 2 ? JSON.stringify(versionJson(name)) : versionLine(name));
    return;
  }
  // the compiled binaries answer --help from text rendered at build time: nothing to load, nothing to render
  if (typeof REDUX_HELP !== "undefined" && rawArgs.some(isHelp)) {
    const text = REDUX_HELP[helpKey(main, rawArgs)];
    if (text) {
      console.log(text);
      return;
    }
  }
  const { runCommand, renderUsage } = await import("citty");
  let cmd: AnyCommand = main;
  let parent: AnyCommand | undefined;
  let args = rawArgs;
  // walk down lazy subcommands; a first positional that is not one is the command's own (e.g. the chat prompt)
  for (;;) {
    const subs = await resolve(cmd.subCommands);
    const def = (await resolve(cmd.args)) ?? {};
    const i = subs ? firstPositional(args, def) : -1;
    const name = i >= 0 ? args[i]! : undefined;
    if (!subs || !name || !Object.hasOwn(subs, name)) break;
    parent = cmd;
    cmd = (await resolve(subs[name] as AnyCommand))!;
    args = [...args.slice(0, i), ...args.slice(i + 1)];
  }
  const leaf: AnyCommand = { ...cmd, subCommands: cmd === main && !args.some(isHelp) ? undefined : cmd.subCommands };
  if (args.some(isHelp)) {
    // plain text: readable in a pager, a pipe or under NO_COLOR, and no TTY probe on this fast path
    const text = await renderUsage({ ...leaf, subCommands: helpStubs(await resolve(leaf.subCommands)) as AnyCommand["subCommands"] }, parent);
    console.log(`${text.replace(/\u001B\[[0-9;]*m/g, "").replace(/ +$/gm, "")}\n`);
    return;
  }
  const debug = args.includes("--debug");
  const problem = checkFlags(args, (await resolve(cmd.args)) ?? {});
  try {
    if (problem) {
      const { usageError } = await import("../../lib/errors.ts");
      throw usageError(problem, `see ${main.meta && "name" in (main.meta as object) ? (main.meta as { name: string }).name : ""} --help`.trim());
    }
    await runCommand(leaf, { rawArgs: args });
  } catch (err) {
    const { ReduxError, ExitCode } = await import("../../lib/errors.ts");
    const { createUi } = await import("./ui.ts");
    const e = (err as Error)?.name === "CLIError" ? new ReduxError(ExitCode.usage, (err as Error).message, "see --help") : err;
    createUi({ debug }).error(e);
    process.exitCode = (e as { code?: unknown }).code && typeof (e as { code: unknown }).code === "number" ? (e as { code: number }).code : 1;
  }
}

/** Exits once the command is done (output is written synchronously): open HTTP/2 sessions must not keep it alive. */
export async function exitWhenFlushed(code = Number(process.exitCode ?? 0)) {
  process.exit(code);
}
