import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { durableWrites } from "../../lib/fs-atomic.ts";

describe("durableWrites", () => {
  test("many files: each whole under its final name, no temp files left, an existing file replaced (keeping its mode)", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "redux-fs-")), "out");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.md"), "old and longer than the new text", { mode: 0o640 });
    const files = durableWrites(dir, { mode: "umask" });
    for (let i = 0; i < 200; i++) await files.write(i === 0 ? "a.md" : `f${i}.md`, `file ${i}\n`.repeat(50));
    await files.done();
    const names = readdirSync(dir);
    expect(names.length).toBe(200);
    expect(names.filter((n) => n.startsWith("."))).toEqual([]);
    expect(readFileSync(join(dir, "a.md"), "utf8")).toBe("file 0\n".repeat(50));
    expect(readFileSync(join(dir, "f199.md"), "utf8")).toBe("file 199\n".repeat(50));
    expect(statSync(join(dir, "a.md")).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, "f7.md")).mode & 0o777).toBe(0o666 & ~process.umask());
  });

  test("the fsync pass (where syncfs cannot be used) leaves the same files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "redux-fs-"));
    const files = durableWrites(dir, { mode: "umask", syncfs: false });
    for (let i = 0; i < 100; i++) files.write(`f${i}.md`, `file ${i}\n`);
    await files.done();
    expect(readdirSync(dir).length).toBe(100);
    expect(readFileSync(join(dir, "f42.md"), "utf8")).toBe("file 42\n");
  });

  test("the fsync pass fails naming the file it failed on (here one deleted before it ran)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "redux-fs-"));
    const files = durableWrites(dir, { mode: "umask", syncfs: false });
    files.write("a.md", "a\n");
    files.write("b.md", "b\n");
    rmSync(join(dir, "b.md"));
    await expect(files.done()).rejects.toMatchObject({ code: "ENOENT", path: join(dir, "b.md") });
  });

  test("private files are 0600", async () => {
    const dir = mkdtempSync(join(tmpdir(), "redux-fs-"));
    const files = durableWrites(dir);
    await files.write("x.json", "{}");
    await files.done();
    expect(statSync(join(dir, "x.json")).mode & 0o777).toBe(0o600);
  });
});

describe("durableWrites: failures and the closing pass", () => {
  // Linux: the descriptor syncfs is given is opened before the first write (lib/syncfs.ts)
  test.skipIf(process.platform !== "linux")("an export given up midway closes the descriptor held for syncfs", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "redux-fs-")));
    const held = () => readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === dir;
      } catch {
        return false;
      }
    }).length;
    const files = durableWrites(dir, { mode: "umask" });
    files.write("a.md", "first\n");
    expect(held()).toBe(1);
    files.abandon();
    expect(held()).toBe(0);
    expect(readFileSync(join(dir, "a.md"), "utf8")).toBe("first\n");
  });

  test("each file is whole under its final name as soon as write returns; done() syncs them all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "redux-fs-"));
    const files = durableWrites(dir, { mode: "umask" });
    files.write("a.md", "first\n");
    expect(readFileSync(join(dir, "a.md"), "utf8")).toBe("first\n");
    files.write("b.md", "second\n");
    await files.done();
    expect(readdirSync(dir).sort()).toEqual(["a.md", "b.md"]);
  });

  test("a file that cannot take its name throws with that path and leaves no temporary file behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "redux-fs-"));
    mkdirSync(join(dir, "taken.md"));
    writeFileSync(join(dir, "taken.md", "inside"), "x");
    const files = durableWrites(dir, { mode: "umask" });
    expect(() => files.write("taken.md", "text")).toThrow(/taken\.md/);
    expect(readdirSync(dir)).toEqual(["taken.md"]);
  });
});
