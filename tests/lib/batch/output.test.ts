import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openOutputFile, scanExisting } from "../../../lib/batch/output.ts";

const ok = (id: string, text = "t") => JSON.stringify({ id, status: "ok", text, usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 }, latency_ms: 1, attempts: 1, model: "m" });
const err = (id: string) => JSON.stringify({ id, status: "error", text: "", usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, latency_ms: 1, attempts: 5, model: "m", error: { class: "unavailable", code: 5, message: "x" } });

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redux-out-"));
  path = join(dir, "out.jsonl");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("scan: ok ids are done once; error lines are held for retry; junk, repeats and a torn tail are counted", () => {
  writeFileSync(path, `${ok("a")}\n${err("b")}\n${ok("a")}\nnot json\n${err("c")}\n${ok("c")}\n{"id":"d","sta`);
  const r = scanExisting(path);
  expect([...r.done]).toEqual(["a", "c"]);
  expect([...r.errors.keys()]).toEqual(["b"]);
  expect(r.repaired).toBe(3); // the repeated a, "not json", the torn tail
  expect(r.rewrite).toBe(true);
  expect(scanExisting(join(dir, "missing.jsonl")).done.size).toBe(0);
});

test("a torn last line alone is cut off in place; whole lines stay byte for byte", async () => {
  const head = `${ok("a", "ünïcödé ✓")}\n${ok("b")}\n`;
  writeFileSync(path, `${head}{"id":"c","status":"ok","te`);
  const out = openOutputFile(path);
  expect(out.repaired).toBe(1);
  expect(readFileSync(path, "utf8")).toBe(head);
  out.write(JSON.parse(ok("c")));
  await out.close();
  expect(readFileSync(path, "utf8")).toBe(`${head}${ok("c")}\n`);
});

test("earlier errors leave OUT while they are retried; one not redone this run gets its line back at close", async () => {
  writeFileSync(path, `${ok("a")}\n${err("b")}\n${err("c")}\n{"torn`, { mode: 0o640 });
  const out = openOutputFile(path);
  expect(out.retrying).toBe(2);
  expect(out.repaired).toBe(1);
  expect([...out.done]).toEqual(["a"]);
  // compacted through a temp file: only ok lines, the file's own mode kept, no temp file left behind
  expect(readFileSync(path, "utf8")).toBe(`${ok("a")}\n`);
  expect(statSync(path).mode & 0o777).toBe(0o640);
  expect(readdirSync(dir)).toEqual(["out.jsonl"]);
  out.write(JSON.parse(ok("b")));
  await out.close();
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  expect(lines).toEqual([ok("a"), ok("b"), err("c")]);
});

test("a new OUT follows the umask; many writes in a row all land, in order, once", async () => {
  const old = process.umask(0o027);
  let out;
  try {
    out = openOutputFile(path);
  } finally {
    process.umask(old);
  }
  for (let i = 0; i < 500; i++) out.write(JSON.parse(ok(String(i))));
  await out.close();
  expect(statSync(path).mode & 0o777).toBe(0o640);
  const ids = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l).id);
  expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
});

test("a file larger than one read chunk is scanned and compacted whole", async () => {
  const big = "x".repeat(300_000);
  writeFileSync(path, `${ok("1", big)}\n${err("2")}\n${ok("3", big)}\n${ok("4", big)}\n${ok("5", big)}\n`);
  const out = openOutputFile(path);
  expect([...out.done]).toEqual(["1", "3", "4", "5"]);
  await out.close();
  expect(readFileSync(path, "utf8")).toBe(`${ok("1", big)}\n${ok("3", big)}\n${ok("4", big)}\n${ok("5", big)}\n${err("2")}\n`);
});

test("a file that is not a batch output is refused and left byte for byte", () => {
  for (const text of ["my notes\n", "no newline at all", `${ok("a")}\nnot a result\n`, `${ok("a")}\n{"id":"b","status":"maybe"}\n`, '{"x":1}\n']) {
    writeFileSync(path, text);
    expect(scanExisting(path).foreignLine).toBeGreaterThan(0);
    expect(() => openOutputFile(path)).toThrow("is not a batch output file");
    expect(readFileSync(path, "utf8")).toBe(text);
  }
  // what batch runs leave behind is not foreign: ok and error lines, repeats, a torn JSON tail, blank lines
  writeFileSync(path, `${ok("a")}\n${err("b")}\n${ok("a")}\n\n{"id":"c","sta`);
  expect(scanExisting(path).foreignLine).toBeUndefined();
});
