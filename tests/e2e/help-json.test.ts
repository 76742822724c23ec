// What --help says agrees with what the binaries do: every command's `--json` line names the JSON it prints (one
// object or one array, and what the variants print), checked against the real output; and a flag that is on by
// default is listed as the `--no-X` a person types, as the README documents it, never as `--X (Default: true)`.
import { describe, expect, test } from "bun:test";
import { bin, run, withFakeAws, type FakeAwsContext } from "./harness.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
type Bin = "redux-chat" | "redux-test-model" | "redux-export";
const go = (name: Bin, args: string[]) => run(bin(name), args, { env: ctx.env });

/** The description of --json in a command's --help. */
async function jsonHelp(name: Bin, path: string[]): Promise<string> {
  const r = await go(name, [...path, "--help"]);
  expect(r.code).toBe(0);
  const line = r.stdout.split("\n").find((l) => /^\s+--json\s/.test(l));
  expect(line, `${name} ${path.join(" ")} --help has a --json line`).toBeDefined();
  return line!.replace(/^\s+--json\s+/, "");
}

/** Runs a command with --json: exit 0 and exactly one JSON document on stdout. */
async function printed(name: Bin, args: string[]): Promise<unknown> {
  const r = await go(name, args);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.endsWith("\n") && r.stdout.trim().split("\n").length).toBe(1);
  return JSON.parse(r.stdout);
}

const shape = (v: unknown) => (Array.isArray(v) ? "array" : v === null ? "null" : typeof v);

describe("--json: the help says what is printed", () => {
  // [binary, command path, arguments that print JSON, what the help's first clause must promise]
  const CASES: [Bin, string[], string[], "object" | "array"][] = [
    ["redux-chat", [], ["-m", MODEL, "--no-save", "--json", "hello"], "object"],
    ["redux-chat", ["settings"], ["settings", "--json"], "object"],
    ["redux-chat", ["models"], ["models", "--json"], "array"],
    ["redux-chat", ["prices"], ["prices", "--json"], "array"],
    ["redux-test-model", [], ["-m", MODEL, "--json"], "object"],
    ["redux-export", ["list"], ["list", "--json"], "array"],
    ["redux-export", ["prune"], ["prune", "--older-than", "30d", "--json"], "object"],
    ["redux-export", ["usage"], ["usage", "--json"], "object"],
    ["redux-export", ["import"], ["import", "--json", "--dry-run", "empty-dir"], "object"],
  ];
  for (const [name, path, args, promised] of CASES) {
    test(`${name} ${path.join(" ")} --json: one ${promised}`, async () => {
      const help = (await jsonHelp(name, path)).split(";")[0]!;
      expect(help).toMatch(new RegExp(`\\bone (JSON )?${promised}\\b`));
      expect(help).not.toContain(promised === "array" ? "object" : "array");
      if (name === "redux-export" && path[0] === "import") {
        const { mkdirSync } = await import("node:fs");
        mkdirSync(`${ctx.home}/empty-dir`);
      }
      expect(shape(await printed(name, args))).toBe(promised);
    });
  }

  test("batch status --json promises an array (its output is checked in batch-bedrock.test.ts)", async () => {
    expect(await jsonHelp("redux-chat", ["batch", "status"])).toMatch(/^print the jobs as one JSON array/);
  });

  test("settings: KEY --json its value, KEY VALUE --json the value stored (numbers as numbers), null when unset", async () => {
    const help = await jsonHelp("redux-chat", ["settings"]);
    expect(help).toContain("with KEY, its value (null when unset); with KEY VALUE, the value stored");
    expect(await printed("redux-chat", ["settings", "chat.maxTokens", "--json"])).toBeNull();
    const set = await go("redux-chat", ["settings", "chat.maxTokens", "100", "--json"]);
    expect(set).toMatchObject({ code: 0, stdout: "100\n" });
    expect(set.stderr).toContain("chat.maxTokens = 100");
    expect(await printed("redux-chat", ["settings", "chat.defaultModel", MODEL, "--json"])).toBe(MODEL);
    expect(await printed("redux-chat", ["settings", "chat.maxTokens", "--json"])).toBe(100);
    expect(await printed("redux-chat", ["settings", "--json"])).toEqual({ "chat.maxTokens": 100, "chat.defaultModel": MODEL });
    const del = await go("redux-chat", ["settings", "--delete", "chat.maxTokens", "--json"]);
    expect(del).toMatchObject({ code: 0, stdout: "" });
  });

  test("redux-test-model --all --json: the array the help promises", async () => {
    expect(await jsonHelp("redux-test-model", [])).toContain("with --all, one array of them");
    expect((await go("redux-chat", ["models", "--json"])).code).toBe(0);
    expect(shape(await printed("redux-test-model", ["--all", "--region", "us-east-1", "--json"]))).toBe("array");
  }, 30_000);
});

describe("flags that are on by default are listed as --no-X", () => {
  const HELPS: [Bin, string[], string[]][] = [
    ["redux-chat", [], ["--no-save"]],
    ["redux-test-model", [], ["--no-invoke"]],
    ["redux-export", ["list"], ["--no-header"]],
  ];
  for (const [name, path, negatives] of HELPS) {
    test(`${name} ${path.join(" ")} --help`, async () => {
      const r = await go(name, [...path, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain("(Default: true)");
      for (const neg of negatives) {
        const flag = neg.replace(/^--no-/, "--");
        expect(r.stdout).toMatch(new RegExp(`^\\s+${neg}\\s+\\S`, "m"));
        expect(r.stdout).not.toMatch(new RegExp(`^\\s+${flag}\\s`, "m"));
      }
    });
  }

  test("no command's help shows a (Default: true) flag", async () => {
    const paths: [Bin, string[]][] = [
      ["redux-chat", []], ["redux-chat", ["settings"]], ["redux-chat", ["models"]], ["redux-chat", ["batch"]], ["redux-chat", ["batch", "status"]],
      ["redux-chat", ["batch", "cancel"]], ["redux-chat", ["prices"]], ["redux-chat", ["completion"]], ["redux-test-model", []],
      ["redux-export", []], ["redux-export", ["list"]], ["redux-export", ["prune"]], ["redux-export", ["import"]], ["redux-export", ["usage"]],
    ];
    for (const [name, path] of paths) {
      const r = await go(name, [...path, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout, `${name} ${path.join(" ")}`).not.toContain("(Default: true)");
    }
  });
});
