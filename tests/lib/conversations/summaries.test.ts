import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { newConversation } from "../../../lib/conversations/conversation.ts";
import { conversationFileName } from "../../../lib/conversations/store.ts";
import { busyCores, listSummaries, threadsFor } from "../../../lib/conversations/summaries.ts";
import { ExitCode, ReduxError } from "../../../lib/errors.ts";
import { keyed, mergeSorted, sortSummaries } from "../../../lib/conversations/listing.ts";
import { rowLine } from "../../../lib/conversations/list-lines.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redux-summaries-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("threadsFor", () => {
  test("one thread below 2,000 files; above, one per idle core (cores less the load average), at most 4", () => {
    expect(threadsFor(1999, 8, 0)).toBe(1);
    expect(threadsFor(5000, 2, 0.3)).toBe(2);
    expect(threadsFor(5000, 2, 1.2)).toBe(1);
    expect(threadsFor(5000, 8, 0)).toBe(4);
    expect(threadsFor(5000, 8, 5.6)).toBe(2);
    expect(threadsFor(5000, 8, 12)).toBe(1);
    expect(threadsFor(5000, 1, 0)).toBe(1);
  });
});

describe("busyCores", () => {
  test("the runnable tasks of /proc/loadavg less this one, not the lagging averages; the 1-minute average without it", () => {
    expect(busyCores("3.12 3.29 2.92 1/143 14274\n")).toBe(0);
    expect(busyCores("0.10 0.20 0.30 4/143 14274\n")).toBe(3);
    for (const text of ["", "garbage", "1.0 1.0 1.0 x/143 1"]) {
      const before = loadavg()[0];
      const busy = busyCores(text);
      // the kernel updates the average every 5 s: either reading
      expect([before, loadavg()[0]]).toContain(busy);
    }
  });
});

describe("listSummaries on several threads", () => {
  test("the rows, their order and the files passed over (in directory order) are those of one thread", async () => {
    const t0 = Date.parse("2026-05-01T00:00:00Z");
    for (let i = 0; i < 2100; i++) {
      // every pair created in the same second: ties go by path
      const c = newConversation({ model: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", now: new Date(t0 + Math.floor(i / 2) * 1000) });
      c.messages.push({ role: "user", content: [{ text: `q${i}` }], timestamp: c.created_at });
      c.messages.push({ role: "assistant", content: [{ text: `a${i}` }], timestamp: c.created_at, usage: { input_tokens: i, output_tokens: 1, total_tokens: i + 1 } });
      c.status = i % 3 ? "complete" : "interrupted";
      writeFileSync(join(dir, conversationFileName(c)), JSON.stringify(c));
      if (i % 700 === 0) writeFileSync(join(dir, `bad${i}_20260101T000000Z.json`), "{");
    }
    const now = Date.now();
    const one = await listSummaries({ dir }, { status: "complete" }, { now, threadsTo: () => 1 });
    const three = await listSummaries({ dir }, { status: "complete" }, { now, threadsTo: () => 3 });
    expect(one.threads).toBe(1);
    expect(three.threads).toBe(3);
    expect(three.items).toEqual(one.items);
    expect(three.skipped).toEqual(one.skipped);
    expect(one.items.length).toBe(1400);
    expect(one.skipped.length).toBe(3);
    // piped forms: each thread makes its rows' lines, merged here into the lines of the rows one thread lists
    // (one thread reads all 2,103 files: past the count where it collects its garbage before it sorts)
    for (const form of ["json", "tsv"] as const) {
      for (const threads of [1, 3]) {
        const text = await listSummaries({ dir }, { status: "complete" }, { now, threadsTo: () => threads, form });
        expect(text.threads).toBe(threads);
        expect(text.items).toEqual([]);
        expect(text.lines).toEqual(one.items.map((r) => rowLine(r, form)));
        expect(text.skipped).toEqual(one.skipped);
      }
    }
  }, 30_000);
});

describe("listSummaries: a worker that dies", () => {
  const dying = new URL("../../fakes/dying-summaries-worker.ts", import.meta.url).href;
  const fill = (at: string, n: number) => {
    mkdirSync(at);
    for (let i = 0; i < n; i++) {
      const c = newConversation({ model: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", now: new Date(Date.parse("2026-05-01T00:00:00Z") + i * 1000) });
      writeFileSync(join(at, conversationFileName(c)), JSON.stringify(c));
    }
  };

  for (const when of ["after", "before"]) {
    test(`ending ${when} it started, without its rows: an internal error (exit 1) that says so, not a hang or missing rows`, async () => {
      // the directory's name tells the fake worker when to die
      const at = join(dir, when);
      fill(at, 40);
      const err = await listSummaries({ dir: at }, {}, { threadsTo: () => 3, worker: dying }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ReduxError);
      expect((err as ReduxError).code).toBe(ExitCode.internal);
      expect((err as ReduxError).message).toBe("a thread reading the conversations directory ended (exit code 3) before it sent its rows");
    }, 10_000);
  }
});

describe("mergeSorted", () => {
  test("lists each in list order merge into what sorting them together gives (ties on created_at by path)", () => {
    const row = (created_at: string, path: string) => ({ id: path, path, created_at, updated_at: created_at, model: "m", turns: 1, total_tokens: 1, cost_usd: null, status: "complete" as const, first_prompt: "" });
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 20; round++) {
      const all = Array.from({ length: 60 }, (_, i) => row(`2026-01-0${1 + rand(3)}T00:00:0${rand(2)}.000Z`, `/d/${i}_${rand(1000)}.json`));
      const lists: (typeof all)[] = [[], [], [], []];
      for (const r of all) lists[rand(1 + (round % 4))]!.push(r);
      for (const l of lists) sortSummaries(l);
      expect(mergeSorted(lists.slice(0, 1 + (round % 4)).map(keyed))).toEqual(sortSummaries([...all]));
      // the same lists as text: the same order
      const asText = lists.slice(0, 1 + (round % 4)).map((l) => ({ rows: l.map((r) => rowLine(r, "json")), created: l.map((r) => r.created_at), paths: l.map((r) => r.path) }));
      expect(mergeSorted(asText)).toEqual(sortSummaries([...all]).map((r) => rowLine(r, "json")));
    }
  });
});
