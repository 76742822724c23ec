// `redux-export list` with only --json, --[no-]header and -q is answered by a fast path (bin/export/list-fast.ts) that
// lists and reads without node:fs, or handed to the full command. Whichever answers, a person must see the same: every
// case here runs the fast spelling and the same flags spelled so that only the full command takes them (`--json=true`,
// `--header=false`, `--quiet=true`), and compares exit code, stdout and stderr byte for byte.
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newConversation, type Conversation } from "../../lib/conversations/conversation.ts";
import { conversationFileName, saveConversation } from "../../lib/conversations/store.ts";
import { parseKey } from "../../lib/conversations/envelope.ts";
import { bin, run, withTempHome } from "./harness.ts";
import { closedForWriting } from "../helpers/inotify.ts";

let home: string;
let dir: string;
let env: Record<string, string>;
withTempHome((ctx) => ({ home, dir, env } = ctx), { convs: "convs" });

const FULL: Record<string, string> = { "--json": "--json=true", "--no-header": "--header=false", "--header": "--header=true", "-q": "--quiet=true", "--quiet": "--quiet=true" };
const FLAGS = [[], ["--json"], ["--no-header"], ["-q"], ["--json", "-q"], ["--header"]];

const isRoot = process.getuid?.() === 0;
// root reads every directory: a permission case runs the binary as nobody (setpriv, util-linux)
const asNobody = (file: string) => (isRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", file] : [file]);

/** Both spellings of each set of flags, run in `e`; the results must be equal (and are returned for further checks). */
async function same(e: Record<string, string> = env, o: { nobody?: boolean; flags?: string[][] } = {}) {
  const results = [];
  for (const flags of o.flags ?? FLAGS) {
    const go = async (args: string[]) => {
      const [file, ...pre] = o.nobody ? asNobody(bin("redux-export")) : [bin("redux-export")];
      const { code, stdout, stderr } = await run(file!, [...pre, "list", ...args], { env: e });
      return { code, stdout, stderr };
    };
    const fast = await go(flags);
    const full = await go(flags.map((f) => FULL[f]!));
    expect({ flags, ...fast }).toEqual({ flags, ...full });
    results.push(fast);
  }
  return results;
}

function conversation(prompt: string, o: { minutesAgo?: number; cost?: boolean; model?: string } = {}): Conversation {
  const when = new Date(Date.now() - (o.minutesAgo ?? 0) * 60_000);
  const model = o.model ?? "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
  const c = newConversation({ model, region: "us-east-1", model_id: model.split(":").slice(2).join(":"), now: when });
  const usage = { input_tokens: 1200, output_tokens: 300, total_tokens: 1500 };
  c.messages.push({ role: "user", content: [{ text: `  ${prompt}\n  with   spaces ` }], timestamp: when.toISOString() });
  c.messages.push({
    role: "assistant",
    content: [{ text: "an answer" }],
    timestamp: when.toISOString(),
    model,
    usage,
    ...(o.cost ? { cost: { usd: 0.5, input: 0.2, output: 0.3, cache_read: 0, cache_write: 0, price_source: "test" } } : {}),
  });
  c.usage = usage;
  return c;
}

const save = (c: Conversation, key?: ReturnType<typeof parseKey>) => saveConversation(c, { dir, ...(key ? { key } : {}) });
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

describe("redux-export list: the fast path and the full command print the same", () => {
  test("a missing directory, an empty one, a directory that is a file", async () => {
    const [plain] = await same();
    expect(plain).toEqual({ code: 0, stdout: "id\tcreated_at\tupdated_at\tmodel\tturns\ttotal_tokens\tcost_usd\tstatus\tfirst_prompt\n", stderr: "no conversations\n" });
    mkdirSync(dir);
    await same();
    const file = join(home, "a-file");
    writeFileSync(file, "x");
    const [notDir] = await same({ ...env, REDUX_CONVERSATIONS_DIR: file });
    expect(notDir!.code).toBe(2);
  });

  test("conversations: priced now or with their saved cost, newest first, ties by path; more than the fast path reads", async () => {
    mkdirSync(dir);
    save(conversation("old one", { minutesAgo: 60 }));
    save(conversation("with its cost", { minutesAgo: 30, cost: true }));
    save(conversation("unknown model", { model: "custom:us-east-1:some.model-v1:0" }));
    // two created in the same second: the path decides
    const twin = conversation("twin a", { minutesAgo: 10 });
    const other = { ...twin, conversation_id: `${twin.conversation_id.slice(0, -1)}${twin.conversation_id.endsWith("0") ? "1" : "0"}` };
    for (const c of [twin, other]) write(conversationFileName(c), JSON.stringify(c));
    const [tsv, json] = await same();
    expect(tsv!.stdout.split("\n").length).toBe(7);
    expect(JSON.parse(json!.stdout).map((r: { cost_usd: number | null }) => r.cost_usd)).toContain(null);
    expect(tsv!.stderr).toBe("");
    for (let i = 0; i < 70; i++) save(conversation(`bulk ${i}`, { minutesAgo: 100 + i }));
    const [many] = await same(env, { flags: [[]] });
    expect(many!.stdout.split("\n").length).toBe(77);
  });

  test("files the listing passes over or leaves out: hidden, other extensions, damaged, foreign, empty, directories, links", async () => {
    mkdirSync(dir);
    const path = save(conversation("kept"));
    write(".hidden.json", readFileSync(path, "utf8"));
    write("notes.txt", "x");
    write("x.json.tmp", "x");
    mkdirSync(join(dir, "sub"));
    await same();
    symlinkSync(path, join(dir, "link_20260101T000000Z.json"));
    const [linked] = await same();
    expect(linked!.stdout.split("\n").length).toBe(4);
    for (const [name, text] of [["broken.json", "{"], ["foreign.json", '{"hello":"world"}'], ["empty.json", ""]]) {
      write(name!, text!);
      const [r] = await same();
      expect(r!.stderr).toContain("skipped");
    }
    mkdirSync(join(dir, "dir.json"));
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling.json"));
    // a name that is not UTF-8: listed (lossily) and passed over, as readdir lists it
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xff]), Buffer.from(".json")]), "{");
    const [r] = await same();
    expect(r!.stderr).toContain("skipped 6 files");
  });

  test("a directory that cannot be read: the same error line, hint and exit code", async () => {
    chmodSync(home, 0o755);
    mkdirSync(dir, { mode: 0o000 });
    const [r] = await same(env, { nobody: true });
    expect(r!.code).toBe(2);
    expect(r!.stderr).toContain("cannot read the conversations directory");
  });

  test("the directory spelled with a trailing slash, . and .. parts, or relative to the working directory", async () => {
    mkdirSync(dir);
    save(conversation("where"));
    for (const spelled of [`${dir}/`, `${home}/./convs`, `${home}//convs`, `${home}/convs/../convs`, "convs", "./convs"]) {
      const [, json] = await same({ ...env, REDUX_CONVERSATIONS_DIR: spelled });
      expect(JSON.parse(json!.stdout).length).toBe(1);
    }
  });

  test("encryption: a key in the environment or named by the settings; encrypted files without one", async () => {
    mkdirSync(dir);
    save(conversation("plain"));
    const keyText = Buffer.alloc(32, 7).toString("base64");
    save(conversation("sealed"), parseKey(keyText, "test"));
    const [without] = await same();
    expect(without!.stderr).toContain("skipped 1 file");
    const [withKey] = await same({ ...env, REDUX_ENCRYPTION_KEY: keyText });
    expect(withKey!.stdout).toContain("sealed");
    const keyFile = join(home, "key");
    writeFileSync(keyFile, keyText, { mode: 0o600 });
    mkdirSync(join(home, ".amazon-q"));
    writeFileSync(join(home, ".amazon-q", "settings.json"), JSON.stringify({ "chat.encryptionKeyFile": keyFile }));
    expect((await same())[0]!.stdout).toContain("sealed");
  });

  test("settings and prices files: absent, other settings, damaged, not an object, a price override", async () => {
    mkdirSync(dir);
    save(conversation("priced"));
    mkdirSync(join(home, ".amazon-q"));
    const settings = join(home, ".amazon-q", "settings.json");
    for (const text of ['{"chat.maxTokens": 100}', '{"chat.encryptionKeyFile": ""}', "{", "[1]", "null"]) {
      writeFileSync(settings, text);
      await same(env, { flags: [[], ["--json"]] });
    }
    writeFileSync(settings, "{}");
    const entry = { model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", tier: "standard", input: 1000, output: 1000, cache_read: null, cache_write: null, source: "test", date: "2026-01-01" };
    writeFileSync(join(home, ".amazon-q", "prices.json"), JSON.stringify({ version: 1, updated_at: "2026-01-01T00:00:00Z", source_url: "https://example.com", entries: [entry] }));
    const [, json] = await same(env, { flags: [[], ["--json"]] });
    expect(JSON.parse(json!.stdout)[0].cost_usd).toBe(1.5);
    writeFileSync(join(home, ".amazon-q", "prices.json"), "{");
    await same(env, { flags: [["--json"]] });
  });

  test.if(process.platform === "linux")("the user's files are opened for reading only: no watcher sees settings, prices or a conversation closed after a write", async () => {
    mkdirSync(dir);
    save(conversation("watched"));
    mkdirSync(join(home, ".amazon-q"));
    const settings = join(home, ".amazon-q", "settings.json");
    const prices = join(home, ".amazon-q", "prices.json");
    writeFileSync(settings, '{"chat.maxTokens": 100}');
    writeFileSync(prices, JSON.stringify({ version: 1, updated_at: "2026-01-01T00:00:00Z", source_url: "https://example.com", entries: [] }));
    const files = [settings, prices, join(dir, readdirSync(dir)[0]!)];
    for (const flags of [["--json"], ["--json=true"]]) {
      let out = "";
      const seen = await closedForWriting(files, async () => {
        out = (await run(bin("redux-export"), ["list", ...flags], { env })).stdout;
      });
      expect(JSON.parse(out)).toHaveLength(1);
      expect({ flags, seen }).toEqual({ flags, seen: [] });
    }
  });

  test("a secret in the environment is never printed, even in the `no conversations` line", async () => {
    const [r] = await same({ ...env, AWS_SECRET_ACCESS_KEY: "conversations" }, { flags: [[]] });
    expect(r!.stderr).toBe("no <redacted>\n");
  });

  test("stdout a pipe whose reader has gone: it ends quietly, exit 0, as the full command does", async () => {
    mkdirSync(dir);
    save(conversation("piped"));
    for (const flags of [[], ["--json"]]) {
      // the reader (true) is gone long before the list writes
      const sh = (args: string[]) => Bun.spawnSync(["bash", "-c", `{ sleep 0.3; "$0" list ${args.join(" ")}; echo "exit $?" >&2; } | true`, bin("redux-export")], { env, stderr: "pipe" });
      const fast = sh(flags).stderr.toString();
      expect(fast).toBe(sh(flags.map((f) => FULL[f]!)).stderr.toString());
      expect(fast).toBe("exit 0\n");
    }
  });
});
