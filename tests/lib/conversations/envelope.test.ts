import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKey, open, parseKey, seal } from "../../../lib/conversations/envelope.ts";

const key = parseKey(Buffer.alloc(32, 1).toString("base64"), "test");

test("seal/open round trip with a fresh nonce per write", () => {
  const a = JSON.parse(seal("hello", key));
  const b = JSON.parse(seal("hello", key));
  expect(a.nonce).not.toBe(b.nonce);
  expect(a.ciphertext).not.toBe(b.ciphertext);
  expect(open(a, key, "f")).toBe("hello");
});

test("a wrong key, a missing key, or a tampered file is refused", () => {
  const env = JSON.parse(seal("secret", key));
  expect(() => open(env, parseKey("ab".repeat(32), "other"), "f")).toThrow(/another key/);
  expect(() => open(env, undefined, "f")).toThrow(/no key/);
  const ct = Buffer.from(env.ciphertext, "base64");
  ct[0]! ^= 1;
  expect(() => open({ ...env, ciphertext: ct.toString("base64") }, key, "f")).toThrow(/corrupted or was altered/);
});

test("keys: 64 hex or base64 of 32 bytes; key files must be private", () => {
  expect(parseKey("00".repeat(32), "x").id).toMatch(/^[0-9a-f]{16}$/);
  expect(() => parseKey("short", "x")).toThrow(/32 bytes/);
  const dir = mkdtempSync(join(tmpdir(), "redux-key-"));
  try {
    const f = join(dir, "k");
    writeFileSync(f, Buffer.alloc(32, 2).toString("base64"), { mode: 0o644 });
    expect(() => loadKey({ keyFile: f, env: {} })).toThrow(/readable by others/);
    writeFileSync(join(dir, "k2"), Buffer.alloc(32, 2).toString("base64"), { mode: 0o600 });
    expect(loadKey({ keyFile: join(dir, "k2"), env: {} })?.key.length).toBe(32);
    expect(loadKey({ env: {} })).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
