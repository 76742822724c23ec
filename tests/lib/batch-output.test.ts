import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openOutputFile, readExisting } from "../../lib/batch-output.ts";

const ok = (id: string) => JSON.stringify({ id, status: "ok", text: "t", usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 }, latency_ms: 1, attempts: 1, model: "m" });
const err = (id: string) => JSON.stringify({ id, status: "error", text: "", usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, latency_ms: 1, attempts: 5, model: "m", error: { class: "unavailable", code: 5, message: "x" } });

test("keeps ok lines once, drops errors (to retry) and a torn last line", () => {
  const r = readExisting(`${ok("a")}\n${err("b")}\n${ok("a")}\n${ok("c")}\n{"id":"d","sta`);
  expect([...r.done]).toEqual(["a", "c"]);
  expect(r.keep).toEqual([ok("a"), ok("c")]);
  expect(r.dropped).toBe(3);
});

test("openOutputFile rewrites OUT compacted (0600), then appends whole lines", () => {
  const dir = mkdtempSync(join(tmpdir(), "redux-out-"));
  try {
    const path = join(dir, "out.jsonl");
    writeFileSync(path, `${ok("a")}\n${err("b")}\n{"torn`);
    const out = openOutputFile(path);
    expect(out.dropped).toBe(2);
    expect(readFileSync(path, "utf8")).toBe(`${ok("a")}\n`);
    out.write(JSON.parse(ok("b")));
    out.close();
    expect(readFileSync(path, "utf8")).toBe(`${ok("a")}\n${ok("b")}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
