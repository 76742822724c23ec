// redux-export end to end: list, the five formats, --all/--last, prune, ids that try to escape, encrypted files.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { newConversation, type Conversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { parseKey } from "../../lib/conversations/envelope.ts";
import { bin, run, withTempHome } from "./harness.ts";
import { assertValid, assertValidConversation } from "../schema.ts";

let home: string;
let dir: string;
let env: Record<string, string>;
withTempHome((ctx) => ({ home, dir, env } = ctx), { convs: "convs" });

const exp = (args: string[], e = env) => run(bin("redux-export"), args, { env: e });

function make(o: { prompt: string; answer: string; model?: string; daysAgo?: number; status?: Conversation["status"]; key?: ReturnType<typeof parseKey> }) {
  const when = new Date(Date.now() - (o.daysAgo ?? 0) * 86400e3);
  const c = newConversation({ model: o.model ?? "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", model_id: (o.model ?? "x:us.anthropic").split(":").slice(2).join(":") || "x", now: when, system: "be brief" });
  c.messages.push({ role: "user", content: [{ text: o.prompt }], timestamp: when.toISOString() });
  const usage = { input_tokens: 5, output_tokens: 7, total_tokens: 12 };
  c.messages.push({ role: "assistant", content: [{ text: o.answer }], timestamp: when.toISOString(), model: c.model, usage, stop_reason: "end_turn", latency_ms: 420, status: o.status ?? "complete" });
  c.usage = usage;
  c.status = o.status ?? "complete";
  const path = saveConversation(c, { dir, ...(o.key ? { key: o.key } : {}) });
  return { c, path };
}

const XSS = `Here you go: <script>document.title="pwned"</script> <img src=x onerror="document.title='pwned'"> and

\`\`\`html
<script>alert(1)</script>
const x = 1 < 2 && "quote";
\`\`\`

done with \`inline <b>code</b>\`.`;

describe("list", () => {
  test("rows newest first, as JSON valid against the schema, as TSV when piped; bad files skipped with one warning", async () => {
    make({ prompt: "old question about cron", answer: "a", daysAgo: 40 });
    make({ prompt: "newest question", answer: "b", model: "custom:eu-west-1:eu.amazon.nova-pro-v1:0", status: "error" });
    writeFileSync(join(dir, "junk_20200101T000000Z.json"), "{broken");
    writeFileSync(join(dir, "foreign.json"), '{"hello":"world"}');
    const r = await exp(["list", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).toContain("skipped 2 files");
    const rows = JSON.parse(r.stdout);
    for (const row of rows) assertValid("export-list.schema.json", row);
    expect(rows.map((x: { first_prompt: string }) => x.first_prompt)).toEqual(["newest question", "old question about cron"]);
    expect(rows[0]).toMatchObject({ turns: 1, total_tokens: 12, status: "error", model: "custom:eu-west-1:eu.amazon.nova-pro-v1:0" });

    const tsv = await exp(["list"]);
    const [header, ...lines] = tsv.stdout.trim().split("\n");
    expect(header).toBe("id\tcreated_at\tupdated_at\tmodel\tturns\ttotal_tokens\tcost_usd\tstatus\tfirst_prompt");
    expect(lines.map((l) => l.split("\t").length)).toEqual([9, 9]);
    expect(lines[0]!.split("\t")[8]).toBe("newest question");
    expect((await exp(["list", "--no-header"])).stdout.trim().split("\n")).toEqual(lines);

    expect(JSON.parse((await exp(["list", "--json", "--since", "7d"])).stdout).length).toBe(1);
    expect(JSON.parse((await exp(["list", "--json", "--until", "30d"])).stdout).length).toBe(1);
    expect(JSON.parse((await exp(["list", "--json", "--model", "nova"])).stdout).length).toBe(1);
    expect(JSON.parse((await exp(["list", "--json", "--status", "complete"])).stdout)[0].first_prompt).toBe("old question about cron");
    const bad = await exp(["list", "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since");
  });
});

describe("export", () => {
  test("json is the conversation itself; jsonl is one line per message", async () => {
    const { c } = make({ prompt: "hello", answer: "world" });
    const j = await exp([c.conversation_id, "--format", "json"]);
    expect(j.code).toBe(0);
    assertValidConversation(JSON.parse(j.stdout));
    expect(JSON.parse(j.stdout)).toEqual(c);
    const l = await exp([c.conversation_id.slice(0, 8), "-f", "jsonl"]);
    const lines = l.stdout.trim().split("\n").map((x) => JSON.parse(x));
    for (const line of lines) assertValid("export-jsonl.schema.json", line);
    expect(lines.map((x) => [x.role, x.text])).toEqual([["user", "hello"], ["assistant", "world"]]);
  });

  test("markdown and text read well", async () => {
    const { c } = make({ prompt: "What is SigV4?", answer: "A signing protocol.", status: "interrupted" });
    const md = (await exp(["--last", "--format", "md"])).stdout;
    expect(md).toStartWith("# What is SigV4?\n");
    expect(md).toContain("## User · ");
    expect(md).toContain("## Assistant · ");
    expect(md).toContain("A signing protocol.");
    expect(md).toContain("interrupted");
    expect(md).toContain("5 in · 7 out");
    expect(md).toContain("> **System:** be brief");
    const txt = (await exp([c.conversation_id, "--format", "txt"])).stdout;
    expect(txt).toContain("] user:\nWhat is SigV4?");
  });

  test("-o writes a file atomically (its mode follows the umask); --all writes one file per conversation", async () => {
    const a = make({ prompt: "one", answer: "1" });
    make({ prompt: "two", answer: "2", daysAgo: 3 });
    const out = join(home, "out.html");
    expect((await exp([a.c.conversation_id, "--format", "html", "-o", out])).code).toBe(0);
    const umask = process.umask();
    expect(statSync(out).mode & 0o777).toBe(0o666 & ~umask);
    const all = join(home, "all");
    const r = await exp(["--all", "--format", "md", "-o", all, "--since", "1d"]);
    expect(r.code).toBe(0);
    expect(readdirSync(all)).toEqual([`${a.c.conversation_id}.md`]);
    expect(statSync(join(all, `${a.c.conversation_id}.md`)).mode & 0o777).toBe(0o666 & ~umask);
    expect((await exp(["--all", "--format", "md"])).code).toBe(2);
    const stream = await exp(["--all", "--format", "jsonl"]);
    expect(stream.stdout.trim().split("\n").length).toBe(4);
  });

  test("--all -o DIR: every file whole under its name, no temporary file left, and --debug says how they were synced", async () => {
    const made = [make({ prompt: "one", answer: "1" }), make({ prompt: "two", answer: "2" }), make({ prompt: "three", answer: "3" })];
    const all = join(home, "synced");
    const r = await exp(["--all", "--format", "txt", "-o", all, "--debug"]);
    expect(r.code).toBe(0);
    expect(readdirSync(all).sort()).toEqual(made.map((m) => `${m.c.conversation_id}.txt`).sort());
    for (const [i, m] of made.entries()) expect(readFileSync(join(all, `${m.c.conversation_id}.txt`), "utf8")).toContain(`user:\n${["one", "two", "three"][i]}`);
    // syncfs on Linux 5.8+ unless other programs have a lot waiting to be written; an fsync per file elsewhere
    expect(r.stderr).toMatch(/3 files synced to disk \((one syncfs of the file system|an fsync each)\) and the directory fsynced/);
    expect(r.stderr).toContain("exported 3 conversations");
  });

  test("--all --format jsonl to stdout: every message of every conversation, oldest conversation first, a bad file skipped with one warning", async () => {
    // made in an order neither the directory nor the ids keep; two share their creation time (then the path decides)
    const made = [make({ prompt: "two days", answer: "b", daysAgo: 2 }), make({ prompt: "five days", answer: "a", daysAgo: 5 }), make({ prompt: "today", answer: "d" }), make({ prompt: "one day", answer: "c", daysAgo: 1 })];
    const when = new Date(Date.now() - 3 * 86400e3);
    for (const prompt of ["tie one", "tie two"]) {
      const c = newConversation({ model: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", now: when });
      c.messages.push({ role: "user", content: [{ text: prompt }], timestamp: when.toISOString() });
      made.push({ c, path: saveConversation(c, { dir }) });
    }
    writeFileSync(join(dir, "broken_20200101T000000Z.json"), "{not json");
    const expected = [...made].sort((a, b) => a.c.created_at.localeCompare(b.c.created_at) || a.path.localeCompare(b.path));
    const r = await exp(["--all", "--format", "jsonl"]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining("skipped 1 file")]);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    for (const line of lines) assertValid("export-jsonl.schema.json", line);
    expect(lines.map((l) => [l.conversation_id, l.index, l.role])).toEqual(expected.flatMap(({ c }) => c.messages.map((m, i) => [c.conversation_id, i, m.role])));
    const prompts = lines.filter((l) => l.role === "user").map((l) => l.text);
    expect([prompts[0], prompts.slice(1, 3).sort(), ...prompts.slice(3)]).toEqual(["five days", ["tie one", "tie two"], "two days", "one day", "today"]);
    expect(lines.filter((l) => l.role === "assistant").map((l) => l.text)).toEqual(["a", "b", "c", "d"]);
  });

  test("an id never escapes the directory; an explicit path is read as given", async () => {
    const { path } = make({ prompt: "inside", answer: "x" });
    mkdirSync(join(home, "outside"));
    const outsidePath = join(home, "outside", "x.json");
    writeFileSync(outsidePath, readFileSync(path));
    for (const id of ["../outside/x", "..", "a/../../b", "%2e%2e"]) {
      const r = await exp([id, "--format", "json"]);
      if (id.includes("/")) {
        // a path: read as given, relative to the current directory (HOME here) — and these do not exist
        expect(r.code).toBe(2);
      } else {
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/invalid conversation id|no conversation/);
      }
    }
    const byPath = await exp([outsidePath, "--format", "json"]);
    expect(byPath.code).toBe(0);
    expect(JSON.parse(byPath.stdout).messages[0].content[0].text).toBe("inside");
  });

  test("usage errors", async () => {
    expect((await exp(["--format", "pdf", "--last"])).code).toBe(2);
    expect((await exp([])).code).toBe(2);
    expect((await exp(["--last", "--all"])).code).toBe(2);
    expect((await exp(["no-such-conversation"])).code).toBe(2);
  });

  test("encrypted conversations: exported with the key; without it or with another key a clear error and the file unchanged", async () => {
    const keyText = Buffer.alloc(32, 3).toString("base64");
    const { c, path } = make({ prompt: "classified", answer: "sealed", key: parseKey(keyText, "test") });
    const before = readFileSync(path);
    const ok = await exp([c.conversation_id, "--format", "md"], { ...env, REDUX_ENCRYPTION_KEY: keyText });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("classified");
    const keyFile = join(home, "key");
    writeFileSync(keyFile, keyText, { mode: 0o600 });
    expect((await exp([c.conversation_id, "--key-file", keyFile, "-f", "txt"])).stdout).toContain("sealed");
    for (const e of [env, { ...env, REDUX_ENCRYPTION_KEY: Buffer.alloc(32, 4).toString("hex") }]) {
      const r = await exp([c.conversation_id, "--format", "md"], e);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/encrypted|another key/);
    }
    const listed = await exp(["list", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    expect(listed.stderr).toContain("skipped 1 file");
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe("prune", () => {
  test("--dry-run lists, the real run deletes only what is older, never foreign files", async () => {
    const old = make({ prompt: "old", answer: "x", daysAgo: 45 });
    const fresh = make({ prompt: "fresh", answer: "y", daysAgo: 1 });
    const junk = join(dir, "junk_20000101T000000Z.json");
    writeFileSync(junk, "not json");
    utimesSync(junk, new Date(2000, 1, 1), new Date(2000, 1, 1));
    const dry = await exp(["prune", "--older-than", "30d", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim()).toBe(old.path);
    expect(existsSync(old.path)).toBe(true);
    const real = await exp(["prune", "--older-than", "30d", "--json"]);
    expect(JSON.parse(real.stdout)).toMatchObject({ dry_run: false, removed: [old.path], kept: 1 });
    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(fresh.path)).toBe(true);
    expect(existsSync(junk)).toBe(true);
    expect((await exp(["prune"])).code).toBe(2);
    expect((await exp(["prune", "--older-than", "soon"])).code).toBe(2);
  });
});
