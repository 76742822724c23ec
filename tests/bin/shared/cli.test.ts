import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { scanArgv, repeated, type CommandSpec } from "../../../bin/shared/cli.ts";

// the shapes of redux-chat and its subcommands, loaded lazily like the real ones
let loaded: string[] = [];
const settings: CommandSpec = {
  args: { key: { type: "positional", required: false }, value: { type: "positional", required: false }, delete: { type: "string" }, json: { type: "boolean" }, quiet: { type: "boolean", alias: "q" } } satisfies ArgsDef,
};
const batch: CommandSpec = {
  args: { input: { type: "positional" }, output: { type: "string", alias: "o" }, model: { type: "string", alias: "m" }, stop: { type: "string" }, quiet: { type: "boolean", alias: "q" } } satisfies ArgsDef,
};
const chat: CommandSpec = {
  args: {
    model: { type: "string", alias: "m" },
    "max-tokens": { type: "string" },
    stop: { type: "string" },
    thinking: { type: "string" },
    save: { type: "boolean", default: true },
    continue: { type: "boolean", alias: "c" },
    json: { type: "boolean" },
    quiet: { type: "boolean", alias: "q" },
    prompt: { type: "positional", required: false },
  } satisfies ArgsDef,
  subCommands: {
    settings: async () => (loaded.push("settings"), settings),
    batch: async () => (loaded.push("batch"), batch),
  },
};
const scan = (...argv: string[]) => {
  loaded = [];
  return scanArgv(argv, chat);
};

describe("scanArgv: which command", () => {
  test("a subcommand first, or after flags it also takes", async () => {
    expect((await scan("batch", "in.jsonl")).path).toEqual(["batch"]);
    const s = await scan("-m", "M", "batch", "in.jsonl", "-o", "out");
    expect(s.path).toEqual(["batch"]);
    expect(s.positionals).toEqual(["in.jsonl"]);
    expect(s.values.get("model")).toEqual(["M"]);
    expect((await scan("-q", "settings")).path).toEqual(["settings"]);
  });

  test("a subcommand's name after a flag it does not take is the prompt", async () => {
    const s = await scan("-m", "M", "settings");
    expect(s.path).toEqual([]);
    expect(s.positionals).toEqual(["settings"]);
    expect(s.problem).toBeUndefined();
    expect((await scan("--no-save", "batch", "jobs")).positionals).toEqual(["batch", "jobs"]);
  });

  test("after --, a subcommand's name is a word of the prompt", async () => {
    const s = await scan("--", "settings", "-m");
    expect(s.path).toEqual([]);
    expect(s.positionals).toEqual(["settings", "-m"]);
  });

  test("a flag's value is never taken for a subcommand", async () => {
    const s = await scan("-m", "batch", "hello");
    expect(s.path).toEqual([]);
    expect(s.values.get("model")).toEqual(["batch"]);
    expect(s.positionals).toEqual(["hello"]);
  });

  test("--help anywhere asks about the command the words name", async () => {
    expect(await scan("--help")).toMatchObject({ path: [], help: true });
    expect(await scan("-m", "foo", "batch", "--help")).toMatchObject({ path: ["batch"], help: true });
    expect(await scan("batch", "-h")).toMatchObject({ path: ["batch"], help: true });
    expect(await scan("settings", "--no-such", "--help")).toMatchObject({ path: ["settings"], help: true });
  });

  test("a subcommand is loaded only when it is the one run (or flags before its name must be checked)", async () => {
    await scan("hello", "world");
    expect(loaded).toEqual([]);
    await scan("-m", "M", "settings");
    expect(loaded).toEqual(["settings"]);
  });
});

describe("scanArgv: flags", () => {
  test("unknown flags, flags without a value, and values given to switches are problems", async () => {
    expect((await scan("--temprature", "1", "hi")).problem).toBe("unknown option --temprature");
    expect((await scan("hi", "--max-tokens")).problem).toBe("--max-tokens needs a value");
    expect((await scan("--json=yes", "hi")).problem).toBe("--json takes no value (got \"yes\")");
    expect((await scan("settings", "-m", "M")).problem).toBe("unknown option -m");
  });

  test("negative numbers and - are positionals, not flags", async () => {
    const s = await scan("settings", "chat.maxTokens", "-5");
    expect(s).toMatchObject({ path: ["settings"], positionals: ["chat.maxTokens", "-5"] });
    expect(s.problem).toBeUndefined();
    expect((await scan("batch", "-")).positionals).toEqual(["-"]);
  });

  test("a value may start with a dash, or be given with =, or be empty", async () => {
    const s = await scan("--max-tokens", "-5", "--model=custom:us-east-1:x", "--stop=", "hi");
    expect(s.values.get("max-tokens")).toEqual(["-5"]);
    expect(s.values.get("model")).toEqual(["custom:us-east-1:x"]);
    expect(s.values.get("stop")).toEqual([""]);
  });

  test("repeated flags: every --stop is kept, otherwise the last one counts", async () => {
    const s = await scan("--stop", "a", "-m", "one", "--stop", "b", "-m", "two", "hi");
    expect(s.values.get("stop")).toEqual(["a", "b"]);
    expect(s.argv).toEqual(["--stop=a", "--stop=b", "--model=two", "--", "hi"]);
    expect(repeated(s.argv, "stop")).toEqual(["a", "b"]);
  });

  test("--thinking takes the next word only when it looks like its value", async () => {
    expect((await scan("--thinking", "why?")).values.get("thinking")).toEqual(["auto"]);
    expect((await scan("--thinking", "why?")).positionals).toEqual(["why?"]);
    expect((await scan("--thinking", "2048", "why?")).values.get("thinking")).toEqual(["2048"]);
    expect((await scan("--thinking", "adaptive", "x")).values.get("thinking")).toEqual(["adaptive"]);
    expect((await scan("x", "--thinking")).values.get("thinking")).toEqual(["auto"]);
    expect((await scan("--thinking=hmm", "x")).values.get("thinking")).toEqual(["hmm"]);
  });

  test("argv for citty: switches spelled --x / --no-x, positionals after --", async () => {
    const s = await scan("-c", "--no-save", "-q", "-m", "M", "--", "-x", "y");
    expect(s.argv).toEqual(["--continue", "--no-save", "--quiet", "--model=M", "--", "-x", "y"]);
    expect(repeated(s.argv, "x")).toEqual([]);
  });
});
