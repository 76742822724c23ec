// redux-export list over a directory large enough to be read on several threads (workers): the same rows, the same
// order and the same skipped files as one thread reading it, from the compiled executable.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { conversationFileName, saveConversation } from "../../lib/conversations/store.ts";
import { parseKey } from "../../lib/conversations/envelope.ts";
import { loadPricing, summarizeFiles } from "../../lib/conversations/summaries.ts";
import { bin, run, withTempHome } from "./harness.ts";

let home: string;
let dir: string;
let env: Record<string, string>;
withTempHome((ctx) => {
  ({ home, dir, env } = ctx);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}, { convs: "convs" });

const KEY = Buffer.alloc(32, 9).toString("hex");

/** 2,400 conversations: some created at the same second (ties go by path), some with a saved cost, 3 encrypted. */
function fill() {
  const t0 = Date.parse("2026-06-01T00:00:00.000Z");
  for (let i = 0; i < 2400; i++) {
    const when = new Date(t0 + Math.floor(i / 3) * 60_000);
    const model = i % 5 === 0 ? "custom:eu-west-1:eu.amazon.nova-pro-v1:0" : "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    const c = newConversation({ model, region: model.split(":")[1]!, model_id: model.split(":").slice(2).join(":"), now: when });
    c.messages.push({ role: "user", content: [{ text: `question ${i}: ${"why ".repeat(i % 30)}` }], timestamp: when.toISOString() });
    const usage = { input_tokens: 10 + i, output_tokens: 20, total_tokens: 30 + i };
    const cost = i % 7 === 0 ? { cost: { usd: 0.5, input: 0.2, output: 0.3, cache_read: 0, cache_write: 0, price_source: "test" } } : {};
    c.messages.push({ role: "assistant", content: [{ text: `answer ${i}` }], timestamp: when.toISOString(), model, usage, status: i % 11 === 0 ? "error" : "complete", ...cost });
    c.usage = usage;
    c.status = i % 11 === 0 ? "error" : "complete";
    if (i % 800 === 1) saveConversation(c, { dir, key: parseKey(KEY, "test") });
    else writeFileSync(join(dir, conversationFileName(c)), `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  }
  writeFileSync(join(dir, "damaged_20260101T000000Z.json"), '{"version": 1, "conversation_id": "dam');
  writeFileSync(join(dir, "foreign.json"), "[1, 2, 3]");
}

const list = (args: string[], e = env) => run(bin("redux-export"), ["list", ...args], { env: e });

describe("list over a large directory", () => {
  test("rows, order and skipped files are those of one thread reading every file", async () => {
    fill();
    const names = readdirSync(dir).filter((n) => n.endsWith(".json"));
    const pricing = await loadPricing();
    const one = summarizeFiles({ dir, names, key: parseKey(KEY, "test"), filters: {}, now: Date.now() }, pricing);
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const expected = one.items.sort((a, b) => cmp(a.created_at, b.created_at) || cmp(a.path, b.path)).reverse();
    expect(expected.length).toBe(2400);

    const r = await list(["--json"], { ...env, REDUX_ENCRYPTION_KEY: KEY });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected);
    // the first file passed over is the first in directory order, however the directory was shared out
    expect(r.stderr.trim()).toBe(`warning: skipped 2 files that are not readable redux conversations (first: ${one.skipped[0]!.reason})`);

    // without the key, the encrypted ones are passed over too; a filter applies in every thread
    const plainOne = summarizeFiles({ dir, names, filters: { status: "error" }, now: Date.now() }, pricing);
    const plain = await list(["--json", "--status", "error"]);
    expect(plain.stderr).toContain("skipped 5 files");
    expect(JSON.parse(plain.stdout)).toEqual(plainOne.items.sort((a, b) => cmp(a.created_at, b.created_at) || cmp(a.path, b.path)).reverse());
    expect(plainOne.items.length).toBeGreaterThan(100);

    const tsv = await list(["--debug"], { ...env, REDUX_ENCRYPTION_KEY: KEY });
    expect(tsv.stdout.trim().split("\n").length).toBe(2401);
    // as many threads as there were idle cores (the load average decides; tests/lib/conversations/summaries.test.ts
    // runs the workers for sure)
    const threads = Number(/read the conversations directory on (\d+) threads?/.exec(tsv.stderr)?.[1]);
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(threads).toBeLessThanOrEqual(Math.min(4, navigator.hardwareConcurrency));
  }, 60_000);
});
