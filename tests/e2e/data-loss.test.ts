// Nothing a user wrote or received is lost, under concurrent runs and odd pipes: every writer of a conversation holds
// its lock while it may write it, a dead holder's lock is taken by exactly one process, prune checks again under the
// lock, batch never erases a file that is not its output, and a closed stdout does not cut the saved answer short.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";
import { assertValidConversation } from "../schema.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
// the fake waits this long before the first event: a turn that holds its lock for a while
const SLOW = (ms: number) => `custom:us-east-1:fake.delay-${ms}ms`;
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
// 40 ms between answer chunks: a reader that goes away after the first one sees the rest still coming
withFakeAws((ctx) => ({ fake, home, env } = ctx), { chunkDelayMs: 40 });

const chat = (args: string[], o: { env?: Record<string, string>; timeoutMs?: number } = {}) =>
  run(bin("redux-chat"), args, { env: o.env ?? env, timeoutMs: o.timeoutMs ?? 60_000 });
const spawnChat = (args: string[]) => Bun.spawn([bin("redux-chat"), ...args], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
const convDir = () => join(home, ".amazon-q", "conversations");
const files = () => (existsSync(convDir()) ? readdirSync(convDir()).filter((n) => n.endsWith(".json")) : []);
const load = (name: string) => JSON.parse(readFileSync(join(convDir(), name), "utf8"));
const prompts = (c: { messages: { role: string; content: { text: string }[] }[] }) =>
  c.messages.filter((m) => m.role === "user").map((m) => m.content[0]!.text);

async function until(pred: () => boolean, what: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe("conversation locks", () => {
  test("a new conversation is locked while its first answer streams: -c elsewhere is refused (exit 8), nothing lost", async () => {
    const first = spawnChat(["-m", SLOW(2500), "q1"]);
    // the prompt is saved before the request is sent; the answer is still on its way
    await until(() => files().length === 1 && fake.requests.some((q) => q.operation === "ConverseStream"), "the first prompt to be saved and sent");
    const second = await chat(["-c", "q2"]);
    expect(second.code).toBe(8);
    expect(second.stderr).toContain(`is in use by process ${first.pid}`);
    expect(second.stderr).toContain("hint:");
    expect(await first.exited).toBe(0);
    expect(await new Response(first.stdout).text()).toBe("Echo: q1\n");
    const [name] = files();
    const c = load(name!);
    assertValidConversation(c);
    expect(prompts(c)).toEqual(["q1"]);
    expect(c.messages[1]).toMatchObject({ content: [{ text: "Echo: q1" }], status: "complete" });
    // once the first run is done, -c continues it
    const third = await chat(["-c", "-m", MODEL, "q3"]);
    expect(third.code).toBe(0);
    expect(prompts(load(name!))).toEqual(["q1", "q3"]);
    expect(readdirSync(convDir()).filter((n) => n.endsWith(".lock"))).toEqual([]);
  });

  test("30 simultaneous -c runs with a stale lock present: one winner at a time, every winner's turn kept", async () => {
    expect((await chat(["-m", MODEL, "first"])).code).toBe(0);
    const [name] = files();
    // a lock left by a process that died (its pid no longer exists)
    const dead = Bun.spawnSync(["true"]).pid;
    writeFileSync(join(convDir(), `${name}.lock`), `${dead}\n`);
    const runs = Array.from({ length: 30 }, (_, i) => `q${i}`);
    // all 30 start, then wait on their stdin (the prompt); closing every stdin at once releases them together
    const procs = runs.map(() => Bun.spawn([bin("redux-chat"), "-c", "-m", SLOW(1500)], { env, cwd: home, stdin: "pipe", stdout: "pipe", stderr: "pipe" }));
    await Bun.sleep(1500);
    for (const [i, p] of procs.entries()) p.stdin.write(runs[i]!);
    for (const p of procs) p.stdin.end();
    const results = await Promise.all(procs.map(async (p) => {
      const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return { stdout, stderr, code };
    }));
    const winners = runs.filter((_, i) => results[i]!.code === 0);
    const losers = results.filter((r) => r.code !== 0);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    for (const r of losers) {
      expect(r.code).toBe(8);
      // the holder's pid, or "another process" when the file was read between its creation and the pid's write
      expect(r.stderr).toMatch(/is in use by (process \d+|another process)\n/);
    }
    // every run that said it succeeded has its prompt and its answer in the file, once; no loser's prompt is there
    const c = load(name!);
    assertValidConversation(c);
    expect(prompts(c).sort()).toEqual(["first", ...winners].sort());
    const answers = c.messages.filter((m: { role: string }) => m.role === "assistant").map((m: { content: { text: string }[] }) => m.content[0]!.text);
    expect(answers.sort()).toEqual(["Echo: first", ...winners.map((w) => `Echo: ${w}`)].sort());
    expect(c.messages.every((m: { status?: string; role: string }) => m.role === "user" || m.status === "complete")).toBe(true);
    expect(readdirSync(convDir()).filter((n) => n.includes(".lock"))).toEqual([]);
  }, 120_000);
});

describe("prune", () => {
  test("a conversation continued after prune listed it is kept (updated_at is checked again under the lock)", async () => {
    expect((await chat(["-m", MODEL, "old question"])).code).toBe(0);
    const [name] = files();
    const path = join(convDir(), name!);
    const c = load(name!);
    const old = "2026-01-01T00:00:00.000Z";
    c.created_at = old;
    c.updated_at = old;
    for (const m of c.messages) m.timestamp = old;
    writeFileSync(path, JSON.stringify(c));
    // a named pipe among the conversations: prune's listing stops on it until we write to it, which lets this test
    // continue the conversation at the exact moment between prune's listing and its deletions
    // (directory order is the file system's: pick a pipe name that comes after the conversation)
    let fifo = "";
    for (let i = 0; i < 1000 && !fifo; i++) {
      const candidate = join(convDir(), `pipe-${i}.json`);
      expect(Bun.spawnSync(["mkfifo", candidate]).exitCode).toBe(0);
      const order = readdirSync(convDir());
      if (order.indexOf(name!) < order.indexOf(`pipe-${i}.json`)) fifo = candidate;
      else rmSync(candidate);
    }
    expect(fifo).not.toBe("");
    const prune = Bun.spawn([bin("redux-export"), "prune", "--older-than", "30d", "--json"], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    await Bun.sleep(500);
    // prune has read the old conversation and waits on the pipe; meanwhile someone continues it (by id: -c would
    // list the directory and wait on the pipe too)
    expect((await chat(["--resume", c.conversation_id, "new question"])).code).toBe(0);
    writeFileSync(fifo, "not a conversation\n");
    expect(await prune.exited).toBe(0);
    const report = JSON.parse(await new Response(prune.stdout).text());
    expect(report.removed).toEqual([]);
    expect(existsSync(path)).toBe(true);
    expect(prompts(load(name!))).toEqual(["old question", "new question"]);
  });
});

describe("batch -o", () => {
  test("-o at an existing file that is not a batch output (or at the input) is refused, exit 2, the file untouched", async () => {
    const input = join(home, "in.txt");
    writeFileSync(input, "hello\nworld\n");
    const notes = join(home, "notes.txt");
    const text = "my notes\n{\"id\": \"looks like json\"}\nlast line";
    writeFileSync(notes, text, { mode: 0o640 });
    const before = statSync(notes);
    const r = await run(bin("redux-chat"), ["batch", input, "-o", notes, "-m", MODEL], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: ${notes} is not a batch output file (line 1 is not a result line); it was left as it is\n`
      + "hint: -o names the results file, which a re-run repairs and compacts: give a new file or the -o of an earlier batch run\n",
    );
    expect(readFileSync(notes, "utf8")).toBe(text);
    expect(statSync(notes).mtimeMs).toBe(before.mtimeMs);
    expect(fake.requests.length).toBe(0);
    expect(readdirSync(home).sort()).toEqual(["in.txt", "notes.txt"]);
    const same = await run(bin("redux-chat"), ["batch", input, "-o", input, "-m", MODEL], { env });
    expect(same.code).toBe(2);
    expect(readFileSync(input, "utf8")).toBe("hello\nworld\n");
  });
});

describe("a closed stdout", () => {
  test("redux-chat ... | head -c 5: the whole answer is saved, not just the prompt", async () => {
    const prompt = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    // the shell waits for both ends of the pipe
    const p = Bun.spawn(["sh", "-c", `"$0" -m "$1" "$2" | head -c 5`, bin("redux-chat"), MODEL, prompt], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    expect(stdout).toBe("Echo:");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // the answer kept arriving after head went away (6 chunks, 40 ms apart): it was saved whole
    expect(files().length).toBe(1);
    const c = load(files()[0]!);
    assertValidConversation(c);
    expect(c.status).toBe("complete");
    expect(c.messages[1]).toMatchObject({ content: [{ text: `Echo: ${prompt}` }], status: "complete" });
  });
});
