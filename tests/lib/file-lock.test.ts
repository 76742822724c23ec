import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockFile } from "../../lib/file-lock.ts";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "redux-lock-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const refused = (path: string) => {
  try {
    lockFile(path)();
  } catch (err) {
    return err as { code: number; message: string; hint?: string };
  }
  throw new Error("the lock was granted");
};

test("a held lock is refused at once with exit 8, naming the holder; released, it is free again and its file gone", () => {
  const path = join(dir, "c.json");
  const release = lockFile(path);
  expect(readFileSync(`${path}.lock`, "utf8")).toBe(`${process.pid}\n`);
  const e = refused(path);
  expect(e.code).toBe(8);
  expect(e.message).toBe(`conversation c.json is in use by process ${process.pid}`);
  expect(e.hint).toBeTruthy();
  release();
  release();
  expect(existsSync(`${path}.lock`)).toBe(false);
  lockFile(path)();
});

test("a lock file left by a dead process (or holding garbage) is taken", () => {
  const path = join(dir, "c.json");
  writeFileSync(`${path}.lock`, "999999999\n");
  lockFile(path)();
  writeFileSync(`${path}.lock`, "");
  lockFile(path)();
});

test("a live process's lock is refused; once it is killed with -9, the kernel lets go and the lock is taken", async () => {
  const path = join(dir, "c.json");
  const script = `const { lockFile } = await import(${JSON.stringify(join(import.meta.dir, "../../lib/file-lock.ts"))}); lockFile(${JSON.stringify(path)}); console.log("held"); await Bun.sleep(60000);`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  expect(new TextDecoder().decode(value)).toContain("held");
  const e = refused(path);
  expect(e.code).toBe(8);
  expect(e.message).toContain(`process ${child.pid}`);
  child.kill("SIGKILL");
  await child.exited;
  // the file is still there, holding a dead pid: no matter, nobody holds the lock
  expect(readFileSync(`${path}.lock`, "utf8")).toBe(`${child.pid}\n`);
  const release = lockFile(path);
  expect(readFileSync(`${path}.lock`, "utf8")).toBe(`${process.pid}\n`);
  release();
});
