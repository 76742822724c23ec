import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTextIfExists } from "../../lib/read-text.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redux-read-text-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What readFileSync(path, "utf8") gives: the text, or the error's code and message. */
const nodeRead = (path: string) => {
  try {
    return { text: readFileSync(path, "utf8") };
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message };
  }
};
const fastRead = async (path: string) => {
  try {
    return { text: await readTextIfExists(path) };
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message };
  }
};

describe("readTextIfExists", () => {
  test("reads what readFileSync reads: a byte-order mark kept, bytes that are not UTF-8 replaced alike, an empty file", async () => {
    const cases: Record<string, Buffer> = {
      plain: Buffer.from('{"a": "ü €"}\n'),
      bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]),
      bad: Buffer.from([0x7b, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0xf0, 0x9f, 0x98, 0x7d, 0xed, 0xa0, 0x80, 0xc0, 0xaf]),
      cut: Buffer.from([0x61, 0xe2, 0x82]),
      empty: Buffer.alloc(0),
      big: Buffer.from("x".repeat(200_000)),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      writeFileSync(join(dir, name), bytes);
      expect({ name, ...(await fastRead(join(dir, name))) }).toEqual({ name, ...nodeRead(join(dir, name)) });
    }
  });

  test("undefined for a missing file (or a missing directory on the way); node:fs's own error otherwise", async () => {
    expect(await readTextIfExists(join(dir, "nope"))).toBeUndefined();
    expect(await readTextIfExists(join(dir, "no", "such"))).toBeUndefined();
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "file"), "x");
    for (const path of [join(dir, "sub"), join(dir, "file", "below")]) {
      const fast = await fastRead(path);
      expect(fast.code).toBeDefined();
      expect(fast).toEqual(nodeRead(path));
    }
  });
});
