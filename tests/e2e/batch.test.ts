// redux-chat batch end to end: the compiled binary against the loopback Bedrock, with crashes, overlaps and throttling.
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";
import { readBatchOut, writeIn } from "../helpers/batch-files.ts";

const MODEL = "custom:us-east-1:fake.batch";
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const batch = (args: string[], o: { stdin?: string; env?: Record<string, string> } = {}) =>
  run(bin("redux-chat"), ["batch", ...args], { env: o.env ?? env, stdin: o.stdin, timeoutMs: 60_000 });
const jsonl = (items: object[]) => items.map((i) => JSON.stringify(i)).join("\n") + "\n";
const readOut = readBatchOut;
const ids = (lines: { id: string }[]) => lines.map((l) => l.id).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
const write = (name: string, text: string) => writeIn(home, name, text);

describe("batch", () => {
  test("JSONL with per-item overrides; one valid line per item; summary on stderr; exit 0", async () => {
    const input = write("in.jsonl", jsonl([
      { id: "a", prompt: "first question" },
      { id: "b", prompt: "second question", system: "be terse", max_tokens: 2, temperature: 0.1 },
      { id: 3, prompt: "third", model: "custom:us-east-1:fake.other-model" },
    ]));
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, "-m", MODEL, "--temperature", "0.7"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("3 ok, 0 failed, 0 skipped");
    const lines = readOut(out);
    expect(ids(lines)).toEqual(["3", "a", "b"].sort((x, y) => Number(x) - Number(y) || x.localeCompare(y)));
    const byId = Object.fromEntries(lines.map((l) => [l.id, l]));
    expect(byId.a).toMatchObject({ status: "ok", text: "Echo: first question", attempts: 1, model: MODEL });
    expect(byId.b.text).toBe("[system: be");
    expect(byId["3"].model).toBe("custom:us-east-1:fake.other-model");
    const reqB = fake.requests.find((q) => q.body?.messages?.[0]?.content?.[0]?.text === "second question")!;
    expect(reqB.body.system).toEqual([{ text: "be terse" }]);
    expect(reqB.body.inferenceConfig).toEqual({ maxTokens: 2, temperature: 0.1 });
    const reqA = fake.requests.find((q) => q.body?.messages?.[0]?.content?.[0]?.text === "first question")!;
    expect(reqA.body.inferenceConfig).toEqual({ temperature: 0.7 });
  });

  test("plain text from stdin to stdout", async () => {
    const r = await batch(["-", "-m", MODEL, "-q"], { stdin: "alpha\n\ngamma\n" });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.text]).sort()).toEqual([["1", "Echo: alpha"], ["3", "Echo: gamma"]]);
  });

  test("failed items: exit 7 with the error class; a re-run retries only them and ends with every id once", async () => {
    const input = write("in.jsonl", jsonl([
      { id: "ok1", prompt: "x" },
      { id: "denied", prompt: "y", model: "custom:us-east-1:fake.access-denied" },
      { id: "ok2", prompt: "z" },
    ]));
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, "-m", MODEL]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^error: 1 item failed/m);
    const first = readOut(out);
    expect(first.find((l) => l.id === "denied")).toMatchObject({ status: "error", error: { class: "access", code: 4 } });
    fake.reset();
    // fix the item, run again: only it is sent
    write("in.jsonl", jsonl([{ id: "ok1", prompt: "x" }, { id: "denied", prompt: "y" }, { id: "ok2", prompt: "z" }]));
    const again = await batch([input, "-o", out, "-m", MODEL]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("1 ok, 0 failed, 2 skipped");
    expect(fake.requests.length).toBe(1);
    const lines = readOut(out);
    expect(ids(lines)).toEqual(["denied", "ok1", "ok2"]);
    expect(lines.every((l) => l.status === "ok")).toBe(true);
  });

  test("kill -9 mid-run, then a torn line: the re-run ends with every id exactly once", async () => {
    const n = 24;
    const input = write("in.txt", Array.from({ length: n }, (_, i) => `prompt ${i + 1}`).join("\n"));
    const out = join(home, "out.jsonl");
    const p = Bun.spawn([bin("redux-chat"), "batch", input, "-o", out, "-m", "custom:us-east-1:fake.delay-150ms", "--concurrency", "3", "-q"], { env, stdout: "ignore", stderr: "ignore" });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (!existsSync(out) || readFileSync(out, "utf8").split("\n").length < 5)) await Bun.sleep(20);
    p.kill("SIGKILL");
    await p.exited;
    const partial = readOut(out).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(n);
    appendFileSync(out, '{"id":"99","status":"ok","te');
    const r = await batch([input, "-o", out, "-m", "custom:us-east-1:fake.delay-10ms", "--concurrency", "8"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${partial} skipped`);
    const lines = readOut(out);
    expect(ids(lines)).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
    expect(readdirSync(home).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });

  test("kill -9 at random moments, three times over: OUT stays valid and the last run ends with every id once", async () => {
    const n = 40;
    const input = write("in.txt", Array.from({ length: n }, (_, i) => `prompt ${i + 1}`).join("\n"));
    const out = join(home, "out.jsonl");
    for (let round = 0; round < 3; round++) {
      const p = Bun.spawn([bin("redux-chat"), "batch", input, "-o", out, "-m", "custom:us-east-1:fake.delay-40ms", "--concurrency", "4", "-q"], { env, stdout: "ignore", stderr: "ignore" });
      await Bun.sleep(150 + Math.random() * 200);
      p.kill("SIGKILL");
      await p.exited;
      // a run killed before its credential check has not created OUT yet
      const lines = existsSync(out) ? readOut(out) : [];
      expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    }
    const r = await batch([input, "-o", out, "-m", MODEL, "--concurrency", "8"]);
    expect(r.code).toBe(0);
    expect(ids(readOut(out))).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
  });

  test("a second run on the same OUT while the first is alive is refused at once (exit 8)", async () => {
    const input = write("in.txt", Array.from({ length: 6 }, (_, i) => `p${i}`).join("\n"));
    const out = join(home, "out.jsonl");
    const first = batch([input, "-o", out, "-m", "custom:us-east-1:fake.delay-400ms", "--concurrency", "1", "-q"]);
    await Bun.sleep(600);
    const second = await batch([input, "-o", out, "-m", MODEL]);
    expect(second.code).toBe(8);
    expect(second.stderr).toContain("in use by process");
    expect(second.stderr).toContain("hint: wait for that run to finish");
    expect(second.ms).toBeLessThan(5000);
    expect((await first).code).toBe(0);
    expect(ids(readOut(out))).toEqual(["1", "2", "3", "4", "5", "6"]);
  });

  test("OUT through a symbolic link: a second run by the other name is refused (8); a compaction keeps the link", async () => {
    const input = write("in.txt", Array.from({ length: 4 }, (_, i) => `p${i}`).join("\n"));
    const real = join(home, "real.jsonl");
    const link = join(home, "link.jsonl");
    // an earlier run's error line, so the next run compacts OUT (rewrites it by temp file and rename)
    writeFileSync(real, `${JSON.stringify({ id: "1", status: "error", model: MODEL, region: "us-east-1", model_id: "fake.batch", text: "", attempts: 1, error: { class: "unavailable", message: "x" } })}\n`);
    symlinkSync(real, link);
    const first = batch([input, "-o", link, "-m", "custom:us-east-1:fake.delay-400ms", "--concurrency", "1", "-q"]);
    await Bun.sleep(600);
    const second = await batch([input, "-o", real, "-m", MODEL]);
    expect(second.code).toBe(8);
    expect((await first).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(ids(readOut(real))).toEqual(["1", "2", "3", "4"]);
  });

  test("a re-run cut short by --max-items keeps the error line of each failed id it did not redo", async () => {
    const input = write("in.jsonl", jsonl([
      { id: "a", prompt: "x", model: "custom:us-east-1:fake.access-denied" },
      { id: "b", prompt: "y", model: "custom:us-east-1:fake.access-denied" },
      { id: "c", prompt: "z" },
    ]));
    const out = join(home, "out.jsonl");
    expect((await batch([input, "-o", out, "-m", MODEL, "--concurrency", "1"])).code).toBe(7);
    write("in.jsonl", jsonl([{ id: "a", prompt: "x" }, { id: "b", prompt: "y" }, { id: "c", prompt: "z" }]));
    const r = await batch([input, "-o", out, "-m", MODEL, "--max-items", "1"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("retrying 2 items that failed before");
    expect(r.stderr).toContain("1 ok, 0 failed, 1 skipped (already ok), 1 not run");
    const lines = readOut(out);
    expect(ids(lines)).toEqual(["a", "b", "c"]);
    expect(lines.filter((l) => l.status === "error").map((l) => l.error.class)).toEqual(["access"]);
  });

  test("every id already ok: nothing is sent, credentials are not even needed, exit 0", async () => {
    const input = write("in.txt", "one\ntwo\n");
    const out = join(home, "out.jsonl");
    expect((await batch([input, "-o", out, "-m", MODEL])).code).toBe(0);
    fake.reset();
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _b, ...noCreds } = env;
    const r = await batch([input, "-o", out, "-m", MODEL], { env: noCreds });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("0 ok, 0 failed, 2 skipped");
    expect(fake.requests.length).toBe(0);
    expect(readOut(out).length).toBe(2);
  });

  test("throttled for good: --max-attempts tries per item, then status error, class unavailable, exit 7", async () => {
    const input = write("in.txt", "one\ntwo\n");
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, "-m", "custom:us-east-1:fake.throttle-always", "--max-attempts", "2"]);
    expect(r.code).toBe(7);
    expect(fake.requests.length).toBe(4);
    const lines = readOut(out);
    expect(lines.map((l) => [l.status, l.attempts, l.error.class])).toEqual([["error", 2, "unavailable"], ["error", 2, "unavailable"]]);
  });

  test("throttling is retried: every item ok, the throttled one with attempts 2", async () => {
    const input = write("in.txt", "one\ntwo\nthree\n");
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, "-m", "custom:us-east-1:fake.throttle-once"]);
    expect(r.code).toBe(0);
    const lines = readOut(out);
    expect(lines.every((l) => l.status === "ok")).toBe(true);
    expect(lines.map((l) => l.attempts).sort()).toEqual([1, 1, 2]);
  });

  test("--max-items and --max-total-tokens stop launching, exit 7 (not done) and say so on stderr, even with -q", async () => {
    const input = write("in.txt", Array.from({ length: 10 }, (_, i) => `word${i} more words here`).join("\n"));
    const out = join(home, "out.jsonl");
    let r = await batch([input, "-o", out, "-m", MODEL, "--max-items", "3", "-q"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toBe("error: stopped early: after --max-items 3; 7 items not run\nhint: run the same command again to continue (items already ok are skipped)\n");
    expect(readOut(out).length).toBe(3);
    r = await batch([input, "-o", out, "-m", MODEL, "--max-total-tokens", "20", "--concurrency", "1", "-q"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("error: stopped early: the token budget (--max-total-tokens 20) is spent");
    const n = readOut(out).length;
    expect(n).toBeGreaterThan(3);
    expect(n).toBeLessThan(10);
    // a budget that is not reached is not a stop: the rest is done, exit 0
    r = await batch([input, "-o", out, "-m", MODEL, "--max-items", "10"]);
    expect(r.code).toBe(0);
    expect(readOut(out).length).toBe(10);
    // to stdout, the hint does not promise a resume
    r = await batch([input, "-m", MODEL, "--max-items", "2", "-q"]);
    expect(r.code).toBe(7);
    expect(r.stdout.trim().split("\n").length).toBe(2);
    expect(r.stderr).toContain("hint: raise the budget, or write to -o OUT");
  });

  test("SIGTERM: no new launches, in-flight items recorded, exit 130", async () => {
    const input = write("in.txt", Array.from({ length: 30 }, (_, i) => `p${i}`).join("\n"));
    const out = join(home, "out.jsonl");
    const p = Bun.spawn([bin("redux-chat"), "batch", input, "-o", out, "-m", "custom:us-east-1:fake.delay-300ms", "--concurrency", "2"], { env, stdout: "ignore", stderr: "pipe" });
    await Bun.sleep(700);
    const sentBefore = fake.requests.length;
    p.kill("SIGTERM");
    const code = await p.exited;
    expect(code).toBe(130);
    const lines = readOut(out);
    expect(lines.length).toBe(fake.requests.length);
    expect(fake.requests.length).toBeLessThanOrEqual(sentBefore + 2);
    expect(lines.length).toBeLessThan(30);
    expect(await new Response(p.stderr).text()).toContain("stopping");
  });

  test("no credentials: exit 3 before any item, nothing written", async () => {
    const input = write("in.txt", "a\nb\n");
    const out = join(home, "out.jsonl");
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _b, ...noCreds } = env;
    const r = await batch([input, "-o", out, "-m", MODEL], { env: noCreds });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("hint:");
    expect(fake.requests.length).toBe(0);
    // no empty OUT, no lock left behind
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(home).sort()).toEqual(["in.txt"]);
    // an existing OUT with lines to compact (an error line, a repeat, a torn tail) is not touched either
    const before = `${JSON.stringify({ id: "1", status: "ok", text: "A", usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 }, latency_ms: 1, attempts: 1, model: MODEL })}\n`
      + `${JSON.stringify({ id: "2", status: "error", text: "", usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, latency_ms: 1, attempts: 1, model: MODEL, error: { class: "unavailable", code: 5, message: "x" } })}\n`
      + '{"id":"1","status":"ok","te';
    writeFileSync(out, before, { mode: 0o644 });
    const again = await batch([input, "-o", out, "-m", MODEL, "-q"], { env: noCreds });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("error: no AWS credentials found");
    expect(readFileSync(out, "utf8")).toBe(before);
    expect(statSync(out).mode & 0o777).toBe(0o644);
  });

  test("bad input is a usage error naming the line, before anything is sent", async () => {
    const input = write("in.jsonl", '{"id":"a","prompt":"x"}\n{"id":"a","prompt":"y"}\n');
    const r = await batch([input, "-m", MODEL]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 2");
    expect(fake.requests.length).toBe(0);
    expect((await batch([join(home, "missing.txt"), "-m", MODEL])).code).toBe(2);
    const same = await batch([input, "-o", input, "-m", MODEL]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain("-o names the input file");
    expect(readFileSync(input, "utf8")).toBe('{"id":"a","prompt":"x"}\n{"id":"a","prompt":"y"}\n');
  });

  test("--format text reads a line starting with { as a prompt", async () => {
    const input = write("in.txt", "{braces} are not JSON here\n");
    expect((await batch([input, "-m", MODEL])).code).toBe(2);
    const r = await batch([input, "-m", MODEL, "--format", "text", "-q"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).text).toBe("Echo: {braces} are not JSON here");
  });

  test("--save stores each item as a conversation", async () => {
    const input = write("in.txt", "saved one\nsaved two\n");
    const r = await batch([input, "-m", MODEL, "--save", "-q"]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(home, ".amazon-q", "conversations")).length).toBe(2);
  });
});
