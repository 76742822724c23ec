// Every failure a person can act on, from the compiled binaries: one `error:` line and one `hint:` line on stderr
// (nothing on stdout, no stack), the documented exit code; one layout for warnings; no colour codes when NO_COLOR is
// set or stderr is not a terminal; and argv read the way a person means it.
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { bin, run, withFakeAws, type FakeAwsContext } from "./harness.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
type Bin = "redux-chat" | "redux-export" | "redux-test-model";
const go = (name: Bin, args: string[], extra: Record<string, string | undefined> = {}, stdin?: string) => {
  const env = Object.fromEntries(Object.entries({ ...ctx.env, ...extra }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return run(bin(name), args, { env, stdin });
};
const convDir = () => join(ctx.home, ".amazon-q", "conversations");
const saveOne = (prompt = "hello") => {
  const c = newConversation({ model: MODEL, region: "us-east-1", model_id: MODEL.split(":").slice(2).join(":") });
  c.messages.push({ role: "user", content: [{ text: prompt }], timestamp: c.created_at });
  c.messages.push({ role: "assistant", content: [{ text: "hi" }], timestamp: c.created_at, status: "complete" });
  return saveConversation(c, { dir: convDir() });
};

/** [what, binary, args, exit code, the error line, the hint line, setup] */
const CASES: [string, Bin, string[], number, RegExp, RegExp, ((home: string) => Record<string, string> | void)?][] = [
  ["--since that is not a date", "redux-export", ["list", "--since", "5x"], 2, /--since must be an ISO date/, /e\.g\. --since 2026-11-01/],
  ["--json-schema at a missing file", "redux-chat", ["-m", "custom:us-east-1:x", "--json-schema", "/no/such/schema.json", "hi"], 2, /^cannot read the --json-schema file \/no\/such\/schema\.json: no such file or directory \(ENOENT\)$/, /--json-schema takes the path of a JSON Schema file/],
  ["--json-schema at a directory", "redux-chat", ["-m", "custom:us-east-1:x", "--json-schema", "/", "hi"], 2, /^cannot read the --json-schema file \/: it is a directory \(EISDIR\)$/, /JSON Schema file/],
  ["--until that is not a date", "redux-export", ["list", "--until", "yesterday"], 2, /--until must be/, /--until 7d/],
  ["--status that is not one", "redux-export", ["list", "--status", "done"], 2, /--status must be complete, interrupted or error/, /--status error/],
  ["--since empty", "redux-export", ["list", "--since", ""], 2, /^--since is empty$/, /leave --since out/],
  ["--model empty", "redux-export", ["--all", "-f", "jsonl", "--model="], 2, /^--model is empty$/, /give it a value/],
  ["--status empty", "redux-export", ["list", "--status", ""], 2, /^--status is empty$/, /give it a value/],
  ["--older-than that is not an age", "redux-export", ["prune", "--older-than", "5y"], 2, /--older-than must look like 30d/, /s, m, h, d or w/],
  ["--older-than empty", "redux-export", ["prune", "--older-than", ""], 2, /--older-than must look like 30d/, /--older-than 30d/],
  ["--max-items 0", "redux-chat", ["batch", "in.txt", "--max-items", "0", "-m", MODEL], 2, /--max-items must be a whole number from 1/, /e\.g\. --max-items 10/],
  ["--max-total-tokens x", "redux-chat", ["batch", "in.txt", "--max-total-tokens", "x", "-m", MODEL], 2, /--max-total-tokens must be a whole number/, /e\.g\. --max-total-tokens/],
  ["--max-attempts 99", "redux-chat", ["batch", "in.txt", "--max-attempts", "99", "-m", MODEL], 2, /--max-attempts must be a whole number from 1 to 20/, /e\.g\. --max-attempts 10/],
  ["a missing batch INPUT", "redux-chat", ["batch", "missing.jsonl", "-m", MODEL], 2, /^no such input file: missing\.jsonl$/, /give - to read the prompts from stdin/],
  ["a batch INPUT with no prompts", "redux-chat", ["batch", "empty.txt", "-m", MODEL], 2, /empty\.txt has no prompts/, /one prompt a line/, (h) => void writeFileSync(join(h, "empty.txt"), "\n\n")],
  ["--temperature 2", "redux-chat", ["-m", MODEL, "--temperature", "2", "hi"], 2, /--temperature must be a number from 0 to 1, got "2"/, /e\.g\. --temperature 0\.5/],
  ["--max-tokens 0", "redux-chat", ["-m", MODEL, "--max-tokens", "0", "hi"], 2, /--max-tokens must be a whole number from 1/, /e\.g\. --max-tokens 1024/],
  ["an empty --stop", "redux-chat", ["-m", MODEL, "--stop", "", "hi"], 2, /--stop cannot be empty/, /--stop END/],
  ["--endpoint-url ftp:", "redux-chat", ["-m", MODEL, "--endpoint-url", "ftp://x", "hi"], 2, /--endpoint-url must be http or https/, /https:\/\/bedrock-runtime/],
  ["--resume with --continue", "redux-chat", ["-m", MODEL, "-c", "--resume", "abc", "hi"], 2, /cannot be used together/, /--resume ID picks one/],
  ["settings chat.timeoutSeconds 0 names the key", "redux-chat", ["settings", "chat.timeoutSeconds", "0"], 2, /^chat\.timeoutSeconds must be a whole number from 1 to 3600, got "0"$/, /redux-chat settings chat\.timeoutSeconds 120/],
  ["settings chat.maxTokens -5 is refused, not read", "redux-chat", ["settings", "chat.maxTokens", "-5"], 2, /^chat\.maxTokens must be a whole number from 1 to 1000000, got "-5"$/, /chat\.maxTokens 4096/],
  ["settings: a relative key file", "redux-chat", ["settings", "chat.encryptionKeyFile", "keys/k"], 2, /chat\.encryptionKeyFile must be an absolute path/, /give the full path .* \/.*keys\/k/],
  ["settings --delete with a key too", "redux-chat", ["settings", "x", "--delete", "y"], 2, /--delete takes the key itself/, /settings --delete KEY/],
  ["a relative chat.encryptionKeyFile in settings.json", "redux-chat", ["-m", MODEL, "hi"], 2, /the setting chat\.encryptionKeyFile is a relative path \("key"\)/, /set the full path: redux-chat settings chat\.encryptionKeyFile \//, (h) => {
    mkdirSync(join(h, ".amazon-q"), { recursive: true });
    writeFileSync(join(h, ".amazon-q", "settings.json"), '{"chat.encryptionKeyFile":"key"}');
  }],
  ["a settings file that cannot be read", "redux-chat", ["settings"], 2, /^cannot read the settings file .*settings\.json: EISDIR/, /fix its permissions, or move it away/, (h) => void mkdirSync(join(h, ".amazon-q", "settings.json"), { recursive: true })],
  ["a conversation path that cannot be read", "redux-export", ["dir.json"], 2, /^cannot read .*dir\.json: EISDIR/, /permissions/, (h) => void mkdirSync(join(h, "dir.json"))],
  ["a file that is not a conversation", "redux-export", ["x.json"], 2, /x\.json is not a redux conversation/, /saved by redux-chat/, (h) => void writeFileSync(join(h, "x.json"), '{"a":1}')],
  ["a conversations directory that is a file", "redux-export", ["list"], 2, /conversations directory .*blocker is not a directory/, /REDUX_CONVERSATIONS_DIR/, (h) => {
    writeFileSync(join(h, "blocker"), "");
    return { REDUX_CONVERSATIONS_DIR: join(h, "blocker") };
  }],
  ["a missing AWS_CA_BUNDLE file", "redux-chat", ["-m", MODEL, "--no-save", "hi"], 2, /cannot read the CA bundle in AWS_CA_BUNDLE \(\/nonexistent\/ca\.pem\)/, /point AWS_CA_BUNDLE at a readable PEM file/, () => ({ AWS_CA_BUNDLE: "/nonexistent/ca.pem" })],
  ["a short id says how long a prefix must be", "redux-export", ["151e"], 2, /"151e" is too short for an id prefix/, /at least 8 characters of the id/, () => void saveOne()],
  ["--last with nothing saved", "redux-export", ["--last"], 2, /no conversations in/, /REDUX_CONVERSATIONS_DIR/],
  ["redux-export --json (it prints the format, not JSON)", "redux-export", ["--last", "--json"], 2, /^unknown option --json$/, /see redux-export --help/, () => void saveOne()],
  ["an unknown flag of a subcommand", "redux-chat", ["batch", "in.txt", "--json"], 2, /^unknown option --json$/, /see redux-chat batch --help/],
  ["a flag without its value", "redux-export", ["list", "--since"], 2, /^--since needs a value$/, /see redux-export list --help/],
  // a closed loopback port: the cause and the address, not the HTTP/2 client's "pending stream has been canceled"
  ["Bedrock on a closed port", "redux-chat", ["-m", MODEL, "--no-save", "--endpoint-url", "http://127.0.0.1:9", "hi"], 5, /^cannot reach Bedrock in us-east-1: could not connect to 127\.0\.0\.1:9: connection refused$/, /^nothing is listening there: check the endpoint it came from \(--endpoint-url, AWS_ENDPOINT_URL_\*/, () => ({ AWS_ENDPOINT_URL_BEDROCK: "http://127.0.0.1:9" })],
  ["the control plane on a closed port", "redux-chat", ["models", "--refresh"], 5, /^no Bedrock list call succeeded in us-east-1: cannot reach Bedrock in us-east-1: could not connect to 127\.0\.0\.1:9: connection refused$/, /^nothing is listening there/, () => ({ AWS_ENDPOINT_URL_BEDROCK: "http://127.0.0.1:9", AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" })],
];

describe("every failure: one error line, one hint line, the documented exit code", () => {
  for (const [what, name, args, code, error, hint, setup] of CASES) {
    test(what, async () => {
      const extra = setup?.(ctx.home) ?? {};
      const r = await go(name, args, { ...extra, NO_COLOR: undefined });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: "" });
      const lines = r.stderr.split("\n");
      expect(lines.length, r.stderr).toBe(3);
      expect(lines[0]!.startsWith("error: "), r.stderr).toBe(true);
      expect(lines[0]!.slice(7)).toMatch(error);
      expect(lines[1]!.startsWith("hint: "), r.stderr).toBe(true);
      expect(lines[1]!.slice(6)).toMatch(hint);
      expect(lines[2]).toBe("");
      // stderr is a pipe here: no colour codes even without NO_COLOR
      expect(r.stderr).not.toContain("\u001B[");
      expect(ctx.fake.requests).toEqual([]);
    });
  }
});

describe("one layout for warnings and notes", () => {
  test("a warning is one `warning:` line (no badge, no blank lines), a note a plain line, no colour in a pipe", async () => {
    saveOne();
    mkdirSync(convDir(), { recursive: true });
    writeFileSync(join(convDir(), "junk_20200101T000000Z.json"), "{broken");
    const r = await go("redux-export", ["list", "--json"], { NO_COLOR: undefined });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: skipped 1 file that is not a readable redux conversation.*\n$/);
    const none = await go("redux-export", ["list", "--model", "nosuchmodel"], { NO_COLOR: undefined, REDUX_CONVERSATIONS_DIR: join(ctx.home, "empty") });
    expect(none.stderr).toBe("no conversations\n");
    const set = await go("redux-chat", ["settings", "chat.maxTokens", "512"], { NO_COLOR: undefined });
    expect(set).toMatchObject({ code: 0, stdout: "", stderr: "chat.maxTokens = 512\n" });
  });

  test("FORCE_COLOR colours stderr only; NO_COLOR wins over it", async () => {
    const forced = await go("redux-chat", ["--temperature", "2", "hi"], { NO_COLOR: undefined, FORCE_COLOR: "1" });
    expect(forced.stderr).toContain("\u001B[31merror:\u001B[0m");
    const both = await go("redux-chat", ["--temperature", "2", "hi"], { NO_COLOR: "1", FORCE_COLOR: "1" });
    expect(both.stderr).not.toContain("\u001B[");
  });
});

describe("argv, read the way a person means it", () => {
  test("redux-chat -m M settings: the prompt is \"settings\"", async () => {
    const r = await go("redux-chat", ["-m", MODEL, "--no-save", "settings"]);
    expect(r).toMatchObject({ code: 0, stdout: "Echo: settings\n", stderr: "" });
  });

  test("redux-chat -m foo batch --help: the help of batch", async () => {
    const r = await go("redux-chat", ["-m", "foo", "batch", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("USAGE redux-chat batch");
  });

  test("-- ends the flags: the words after it are the prompt", async () => {
    const r = await go("redux-chat", ["-m", MODEL, "--no-save", "--", "batch", "-x"]);
    expect(r).toMatchObject({ code: 0, stdout: "Echo: batch -x\n" });
  });

  test("a flag given twice: the last one counts, --stop repeats", async () => {
    const r = await go("redux-chat", ["-m", "custom:us-east-1:nope", "-m", MODEL, "--no-save", "--stop", "zz", "--stop", "lo", "hello"]);
    expect(r).toMatchObject({ code: 0, stdout: "Echo: hel\n" });
    expect(ctx.fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.inferenceConfig.stopSequences).toEqual(["zz", "lo"]);
  });
});

describe("redux-test-model's own failures", () => {
  test("--help says the real --timeout default", async () => {
    const r = await go("redux-test-model", ["--help"]);
    expect(r.stdout).toMatch(/--timeout=<seconds>\s+seconds each step, and the whole run, may take \(default 30[;)]/);
    expect(r.stdout).not.toContain("default 60");
  });

  test("an unreachable STS is labelled STS, with AWS_ENDPOINT_URL_STS in the hint", async () => {
    const r = await go("redux-test-model", ["-m", MODEL, "--no-invoke"], { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" });
    expect(r.code).toBe(5);
    const [identity, hint] = r.stdout.split("\n").slice(2, 4);
    expect(identity).toMatch(/^✖ identity {5}cannot reach STS in us-east-1: /);
    expect(hint).toContain("AWS_ENDPOINT_URL_STS");
    expect(r.stdout).not.toContain("Bedrock");
  });

  test("its hints never send the person to run redux-test-model", async () => {
    const wrong = await go("redux-test-model", ["-m", MODEL], { AWS_SECRET_ACCESS_KEY: "not-the-secret" });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toContain("hint: check the access key and secret");
    const none = await go("redux-test-model", ["-m", MODEL], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(none.code).toBe(3);
    for (const r of [wrong, none]) expect(r.stdout + r.stderr).not.toContain("redux-test-model");
  });

  test("a rejected Bedrock API key gets a hint about the API key, not about access keys", async () => {
    const env = { AWS_BEARER_TOKEN_BEDROCK: "bedrock-api-key-not-known-to-the-fake", AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
    const r = await go("redux-test-model", ["-m", MODEL], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("✖ invoke       Bedrock rejected the API key in AWS_BEARER_TOKEN_BEDROCK");
    expect(r.stdout).toContain("hint: check AWS_BEARER_TOKEN_BEDROCK");
    expect(r.stdout).not.toContain("access key and secret");
    const c = await go("redux-chat", ["-m", MODEL, "--no-save", "hi"], env);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/^error: Bedrock rejected the API key in AWS_BEARER_TOKEN_BEDROCK.*\nhint: check AWS_BEARER_TOKEN_BEDROCK/);
    expect(c.stderr).not.toContain("bedrock-api-key-not-known");
  });

  test("piped stdout gets no colour codes even when stderr would", async () => {
    const r = await go("redux-test-model", ["-m", MODEL, "--no-invoke"], { NO_COLOR: undefined });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("\u001B[");
  });
});
