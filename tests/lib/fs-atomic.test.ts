import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { durableWrites } from "../../lib/fs-atomic.ts";

describe("durableWrites", () => {
  test("many files: each whole under its final name, 0600, no temp files left, an existing file replaced", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "redux-fs-")), "out");
    const files = durableWrites(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    writeFileSync(join(dir, "a.md"), "old and longer than the new text");
    for (let i = 0; i < 200; i++) await files.write(i === 0 ? "a.md" : `f${i}.md`, `file ${i}\n`.repeat(50));
    await files.done();
    const names = readdirSync(dir);
    expect(names.length).toBe(200);
    expect(names.filter((n) => n.startsWith("."))).toEqual([]);
    expect(readFileSync(join(dir, "a.md"), "utf8")).toBe("file 0\n".repeat(50));
    expect(readFileSync(join(dir, "f199.md"), "utf8")).toBe("file 199\n".repeat(50));
    expect(statSync(join(dir, "f7.md")).mode & 0o777).toBe(0o600);
  });
});
