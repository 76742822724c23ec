import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConversation } from "../../../lib/conversations/conversation.ts";
import { conversationFileName, findConversation, newestConversation, readConversationFile, saveConversation } from "../../../lib/conversations/store.ts";
import { listConversations } from "../../helpers/all-conversations.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redux-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const conv = (when: string) => newConversation({ model: "custom:us-east-1:m", region: "us-east-1", model_id: "m", now: new Date(when) });

test("file names: {id}_{UTC timestamp}.json, sortable", () => {
  const c = conv("2026-11-25T02:03:12.345Z");
  expect(conversationFileName(c)).toBe(`${c.conversation_id}_20261125T020312Z.json`);
});

test("find by id, by 8+ character prefix, by path; never outside the directory", () => {
  const c = conv("2026-01-01T00:00:00Z");
  const path = saveConversation(c, { dir });
  expect(findConversation(c.conversation_id, { dir }).path).toBe(path);
  expect(findConversation(c.conversation_id.slice(0, 8), { dir }).path).toBe(path);
  expect(findConversation(path, { dir }).conversation.conversation_id).toBe(c.conversation_id);
  expect(() => findConversation(c.conversation_id.slice(0, 4), { dir })).toThrow(/no conversation/);
  expect(() => findConversation("..", { dir })).toThrow(/invalid conversation id/);
  expect(() => findConversation("a\\b", { dir })).toThrow(/invalid conversation id/);
});

test("listing skips damaged and foreign files and reports them; newest is by updated_at", () => {
  const a = conv("2026-01-01T00:00:00Z");
  const b = conv("2026-02-01T00:00:00Z");
  saveConversation(a, { dir });
  saveConversation(b, { dir });
  writeFileSync(join(dir, "x_20260101T000000Z.json"), "{");
  writeFileSync(join(dir, "other.json"), "[]");
  const r = listConversations({ dir });
  expect(r.items.map((i) => i.conversation.conversation_id)).toEqual([a.conversation_id, b.conversation_id]);
  expect(r.skipped.length).toBe(2);
  a.updated_at = "2026-03-01T00:00:00.000Z";
  saveConversation(a, { dir });
  const { newest, skipped } = newestConversation({ dir });
  expect(newest?.conversation.conversation_id).toBe(a.conversation_id);
  expect(skipped.length).toBe(2);
  expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
});

test("a file larger than the read buffer (64 KiB) reads whole, a multi-byte character across the boundary intact", () => {
  const c = conv("2026-03-01T00:00:00Z");
  // "é" is 2 bytes and "🙂" 4: one of them straddles every 64 KiB boundary of the file
  c.messages.push({ role: "user", content: [{ text: `${"é".repeat(40_000)}🙂${"x🙂".repeat(30_000)}` }], timestamp: c.created_at });
  const path = saveConversation(c, { dir });
  expect(readConversationFile(path)).toEqual(c);
  // the same from a directory listing (the buffer is reused between files: a small file after a large one)
  const small = conv("2026-03-02T00:00:00Z");
  saveConversation(small, { dir });
  expect(listConversations({ dir }).items.map((i) => i.conversation)).toEqual([c, small]);
});

test("an empty file and a directory named like a conversation are skipped with node:fs's own reasons", () => {
  const empty = join(dir, "empty_20260101T000000Z.json");
  const folder = join(dir, "adir_20260101T000000Z.json");
  writeFileSync(empty, "");
  mkdirSync(folder);
  const r = listConversations({ dir });
  expect(r.items).toEqual([]);
  const why = new Map(r.skipped.map((s) => [s.path, s.reason]));
  expect(why.get(empty)).toBe(`${empty} is not valid JSON`);
  expect(why.get(folder)).toBe(`cannot read ${folder}: EISDIR: illegal operation on a directory, read`);
});
