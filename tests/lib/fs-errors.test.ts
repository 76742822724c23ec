import { expect, test } from "bun:test";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsError, onPath, systemFsError } from "../../lib/fs-errors.ts";
import { ReduxError } from "../../lib/errors.ts";

const errno = (code: string) => Object.assign(new Error(`${code}: boom`), { code });

test("each errno: a reason, the path, a hint, exit 2 for the path and 9 for the disk", () => {
  const cases: [string, number, string][] = [
    ["ENOENT", 2, "no such file or directory"],
    ["ENOTDIR", 2, "a part of the path is a file, not a directory"],
    ["EISDIR", 2, "it is a directory"],
    ["EEXIST", 2, "a file of that name already exists"],
    ["EACCES", 2, "permission denied"],
    ["EROFS", 2, "the file system is read-only"],
    ["ENOSPC", 9, "no space left on the device"],
    ["EDQUOT", 9, "the disk quota is exceeded"],
    ["EIO", 9, "an I/O error"],
  ];
  for (const [code, exit, reason] of cases) {
    const e = fsError(errno(code), "/srv/out/x.md", "write");
    expect({ code, exit: e.code, message: e.message }).toEqual({ code, exit, message: `cannot write /srv/out/x.md: ${reason} (${code})` });
    expect(e.hint).toBeTruthy();
  }
  expect(fsError(errno("EWEIRD"), "/x", "write")).toMatchObject({ code: 9, message: "cannot write /x: EWEIRD: boom" });
  const redux = new ReduxError(8, "in use");
  expect(fsError(redux, "/x", "write")).toBe(redux);
  expect(fsError(errno("EACCES"), "/x", "write", "my hint").hint).toBe("my hint");
});

test("onPath names the path; systemFsError names what Node's fs threw (its path and syscall), and nothing else", () => {
  const dir = mkdtempSync(join(tmpdir(), "redux-fserr-"));
  try {
    const missing = join(dir, "no", "such");
    expect(() => onPath(missing, "open", () => openSync(missing, "r"))).toThrow(`cannot open ${missing}: no such file or directory (ENOENT)`);
    let raw: unknown;
    try {
      openSync(missing, "r");
    } catch (e) {
      raw = e;
    }
    expect(systemFsError(raw)).toMatchObject({ code: 2, message: `cannot open ${missing}: no such file or directory (ENOENT)` });
    expect(systemFsError(new Error("plain"))).toBeUndefined();
    expect(systemFsError(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
