// Runs a citty command the redux way: `--version` answered before anything is loaded, one argv scan (which
// subcommand, which flags, help), unknown flags refused, and every error mapped to one clear line, a hint and its
// documented exit code.
import type { ArgsDef, CommandDef } from "citty";

/**
 * citty's defineCommand (it only types the definition) without loading citty: a command module costs nothing to
 * import, and citty (with node:util) loads when runCli parses arguments.
 */
export const defineCommand = <const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> => def;
import { versionJson, versionLine } from "../../lib/version.ts";

type AnyCommand = CommandDef<any>;
type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>);

const resolve = async <T>(v: Resolvable<T> | undefined): Promise<T | undefined> =>
  typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;

/** What the scan needs of a command: its flags and its subcommands (a citty CommandDef is one). */
export interface CommandSpec {
  args?: Resolvable<ArgsDef>;
  subCommands?: Resolvable<Record<string, Resolvable<CommandSpec>>>;
}

/** Flags that may be given more than once, every value kept; any other flag given twice: the last one counts. */
const REPEATABLE = new Set(["stop", "fallback", "attach", "request-metadata"]);

/**
 * Flags whose value may be left out: the next word is their value only when it looks like one, else it stays a
 * positional (`redux-chat --thinking "why?"` thinks with the model's default and asks "why?").
 */
const OPTIONAL_VALUE = new Map([["thinking", { looksLike: /^(\d+|adaptive|off|auto)$/, implied: "auto" }]]);

interface ArgvScan {
  /** The subcommands walked (`["batch"]` for `redux-chat -m M batch in.jsonl`). */
  path: string[];
  /** `--help` or `-h` was given (before any `--`). */
  help: boolean;
  /** Every value given per flag (by its name in `args`; booleans "true"/"false"), in order. */
  values: Map<string, string[]>;
  positionals: string[];
  /** The same arguments, spelled one way for citty: `--name=value`, `--name`/`--no-name`, then `--` and positionals. */
  argv: string[];
  /** The first thing wrong (an unknown flag, a flag without its value), as a sentence. */
  problem?: string;
}

interface FlagTable {
  /** Any spelling (name, kebab-case, alias) → the name in `args` and whether it takes a value. */
  byName: Map<string, { name: string; value: boolean }>;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function flagTable(def: ArgsDef): FlagTable {
  const byName = new Map<string, { name: string; value: boolean }>();
  for (const [name, d] of Object.entries(def)) {
    if (d.type === "positional") continue;
    const alias = (d as { alias?: string | string[] }).alias;
    for (const n of [name, kebab(name), ...(Array.isArray(alias) ? alias : alias ? [alias] : [])]) byName.set(n, { name, value: d.type !== "boolean" });
  }
  return { byName };
}

const isHelp = (a: string) => a === "--help" || a === "-h";
/** A word, `-` (stdin) or a negative number (`settings chat.maxTokens -5`) rather than a flag. */
const isPositional = (a: string) => !a.startsWith("-") || a === "-" || /^-\d/.test(a);

/** A flag as given: how it was spelled, its bare name (`m`, `save` for `--no-save`), whether it takes a value. */
type Flag = { kind: "flag"; spelled: string; bare: string; takesValue: boolean; name: string; value?: string; problem?: string };
type Token = Flag | { kind: "positional"; at: number; text: string } | { kind: "help" };

/** Reads argv with one command's flags. */
function tokens(argv: string[], table: FlagTable): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      for (let j = i + 1; j < argv.length; j++) out.push({ kind: "positional", at: j, text: argv[j]! });
      break;
    }
    if (isPositional(a)) {
      out.push({ kind: "positional", at: i, text: a });
      continue;
    }
    if (isHelp(a)) {
      out.push({ kind: "help" });
      continue;
    }
    const eq = a.indexOf("=");
    const spelled = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const bare = spelled.replace(/^-{1,2}/, "");
    const f = table.byName.get(bare);
    if (f?.value) {
      const flag = { kind: "flag", spelled, bare, takesValue: true, name: f.name } as const;
      const optional = OPTIONAL_VALUE.get(f.name);
      if (inline !== undefined) out.push({ ...flag, value: inline });
      else if (optional && !(i + 1 < argv.length && optional.looksLike.test(argv[i + 1]!))) out.push({ ...flag, value: optional.implied });
      else if (i + 1 < argv.length) out.push({ ...flag, value: argv[++i]! });
      else out.push({ ...flag, problem: `${spelled} needs a value` });
      continue;
    }
    const negated = !f && bare.startsWith("no-") ? table.byName.get(bare.slice(3)) : undefined;
    if ((f && !f.value) || (negated && !negated.value)) {
      const flag = { kind: "flag", spelled, bare: negated ? bare.slice(3) : bare, takesValue: false, name: (f ?? negated)!.name } as const;
      if (inline !== undefined && !["true", "false"].includes(inline)) out.push({ ...flag, problem: `${spelled} takes no value (got ${JSON.stringify(inline)})` });
      else out.push({ ...flag, value: String((inline ?? "true") === "true" ? !negated : Boolean(negated)) });
      continue;
    }
    out.push({ kind: "flag", spelled, bare, takesValue: false, name: "", problem: `unknown option ${spelled}` });
  }
  return out;
}

/**
 * The one reading of argv. A first positional that names a subcommand is that subcommand when every flag before it
 * is one the subcommand takes too (`redux-chat -m M batch in.jsonl`); otherwise it is the command's own positional
 * (`redux-chat -m M settings` asks the model about "settings"). `--` ends the flags.
 */
export async function scanArgv(argv: string[], root: CommandSpec): Promise<ArgvScan> {
  const path: string[] = [];
  let node = root;
  let args = argv;
  let table = flagTable((await resolve(node.args)) ?? {});
  for (;;) {
    const subs = await resolve(node.subCommands);
    if (!subs) break;
    const toks = tokens(args, table);
    const first = toks.findIndex((t) => t.kind === "positional");
    const word = first >= 0 ? (toks[first] as Extract<Token, { kind: "positional" }>) : undefined;
    // after `--`, a word is never a subcommand
    const dashes = args.indexOf("--");
    if (!word || !Object.hasOwn(subs, word.text) || (dashes >= 0 && word.at > dashes)) break;
    const before = toks.slice(0, first).filter((t): t is Flag => t.kind === "flag");
    const rest = [...args.slice(0, word.at), ...args.slice(word.at + 1)];
    if (before.length === 0 && rest.some(isHelp) && !rest.some((a) => a !== "--" && isPositional(a)) && typeof REDUX_HELP !== "undefined") {
      // `redux-chat batch --help`: the path is known without loading the subcommand (`batch status --help` loads it)
      return { path: [...path, word.text], help: true, values: new Map(), positionals: [], argv: rest };
    }
    const sub = (await resolve(subs[word.text]))!;
    const subTable = flagTable((await resolve(sub.args)) ?? {});
    const takesThem = before.every((t) => !t.problem && subTable.byName.get(t.bare)?.value === t.takesValue);
    if (!takesThem) break;
    path.push(word.text);
    node = sub;
    args = rest;
    table = subTable;
  }
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  let problem: string | undefined;
  for (const t of tokens(args, table)) {
    if (t.kind === "help") help = true;
    else if (t.kind === "positional") positionals.push(t.text);
    else if (t.problem) problem ??= t.problem;
    else values.set(t.name, [...(values.get(t.name) ?? []), t.value!]);
  }
  const def = (await resolve(node.args)) ?? {};
  const canonical: string[] = [];
  for (const [name, vs] of values) {
    const isBool = def[name]?.type === "boolean";
    for (const v of REPEATABLE.has(name) ? vs : vs.slice(-1)) canonical.push(isBool ? (v === "true" ? `--${name}` : `--no-${name}`) : `--${name}=${v}`);
  }
  return { path, help, values, positionals, argv: [...canonical, "--", ...positionals], ...(problem ? { problem } : {}) };
}

/** Every value given for a repeatable flag (`--stop a --stop b`), read from the scan's spelling of argv. */
export function repeated(rawArgs: string[], name: string): string[] {
  const end = rawArgs.indexOf("--");
  return (end >= 0 ? rawArgs.slice(0, end) : rawArgs).filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
}

/** Usage texts rendered at build time (scripts/build.ts), keyed by command path; absent when run from source. */
declare const REDUX_HELP: Record<string, string> | undefined;

export async function runCli(main: AnyCommand, rawArgs = process.argv.slice(2)) {
  const isVersion = (a: string | undefined) => a === "--version" || a === "-v";
  if ((rawArgs.length === 1 && isVersion(rawArgs[0])) || (rawArgs.length === 2 && rawArgs.includes("--json") && rawArgs.some(isVersion))) {
    const name = (main.meta as { name?: string } | undefined)?.name ?? "redux";
    // console.log: the cheapest way to stdout in Bun (see io.ts)
    console.log(rawArgs.length === 2 ? JSON.stringify(versionJson(name)) : versionLine(name));
    return;
  }
  const name = (main.meta as { name?: string } | undefined)?.name ?? "";
  let scan: ArgvScan;
  try {
    scan = await scanArgv(rawArgs, main as CommandSpec);
  } catch (err) {
    return fail(err, rawArgs.includes("--debug"), name);
  }
  const key = [name, ...scan.path].join(" ");
  if (scan.help) {
    // the compiled binaries answer --help from text rendered at build time: nothing to load, nothing to render
    const text = typeof REDUX_HELP !== "undefined" ? REDUX_HELP[key] : undefined;
    if (text) {
      console.log(text);
      return;
    }
  }
  let cmd: AnyCommand = main;
  for (const sub of scan.path) {
    cmd = (await resolve((await resolve(cmd.subCommands))![sub] as Resolvable<AnyCommand>))!;
  }
  if (scan.help) {
    const { renderUsage } = await import("citty");
    // plain text: readable in a pager, a pipe or under NO_COLOR, and no TTY probe on this fast path
    // the parent named by its whole path: `USAGE redux-chat batch status`
    const parent = scan.path.length ? { meta: { ...(main.meta as object), name: [name, ...scan.path.slice(0, -1)].join(" ") } } : undefined;
    const text = await renderUsage(await withNegativeFlags(cmd), parent);
    console.log(`${text.replace(/\u001B\[[0-9;]*m/g, "").replace(/ +$/gm, "")}\n`);
    return;
  }
  const debug = scan.values.get("debug")?.at(-1) === "true";
  try {
    if (scan.problem) {
      const { usageError } = await import("../../lib/errors.ts");
      throw usageError(scan.problem, `see ${key} --help`);
    }
    // --profile NAME is this process's AWS_PROFILE, as the AWS CLI's is: the SDK takes a client's `profile` option for
    // credentials and region, but its configured-endpoint lookup (the profile's endpoint_url, its [services] section,
    // ignore_configured_endpoint_urls) reads AWS_PROFILE only, for every client (runtime, control plane, S3, STS)
    const profile = scan.values.get("profile")?.at(-1);
    if (profile) process.env.AWS_PROFILE = profile;
    const { runCommand } = await import("citty");
    await runCommand({ ...cmd, subCommands: undefined }, { rawArgs: scan.argv });
  } catch (err) {
    await fail(err, debug, key);
  }
}

/**
 * For --help: a boolean flag that is on by default is listed as the `--no-X` a person types (as the README documents
 * it), not as `--X (Default: true)` followed by its negative.
 */
async function withNegativeFlags(cmd: AnyCommand): Promise<AnyCommand> {
  const args = await resolve(cmd.args as Resolvable<ArgsDef>);
  if (!args) return cmd;
  const shown = Object.entries(args).map(([name, d]) =>
    d.type === "boolean" && d.default === true ? [`no-${name}`, { type: "boolean", description: d.negativeDescription ?? `turn off --${name}` }] : [name, d],
  );
  return { ...cmd, args: Object.fromEntries(shown) as ArgsDef };
}

export async function fail(err: unknown, debug: boolean, command: string) {
  const { ReduxError, ExitCode } = await import("../../lib/errors.ts");
  const { createUi } = await import("./ui.ts");
  const e = (err as Error)?.name === "CLIError" ? new ReduxError(ExitCode.usage, (err as Error).message) : err;
  createUi({ debug, command }).error(e);
  const { systemFsError } = await import("../../lib/fs-errors.ts");
  const code = (systemFsError(e) ?? (e as { code?: unknown })).code;
  process.exitCode = typeof code === "number" && code ? code : 1;
}

/** Exits once the command is done (output is written synchronously): open HTTP/2 sessions must not keep it alive. */
export async function exitWhenFlushed(code = Number(process.exitCode ?? 0)) {
  process.exit(code);
}
