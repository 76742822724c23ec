import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConversation } from "../../../lib/conversations/conversation.ts";
import { parseKey } from "../../../lib/conversations/envelope.ts";
import { newestConversation } from "../../../lib/conversations/newest.ts";
import { readConversationFile, saveConversation, type StoreOptions } from "../../../lib/conversations/store.ts";
import { listConversations } from "../../helpers/all-conversations.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redux-newest-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const KEY = parseKey(Buffer.alloc(32, 7).toString("base64"), "test");

function save(id: string, created: string, updated: string, store: Omit<StoreOptions, "dir"> = {}) {
  const c = newConversation({ model: "custom:us-east-1:m", region: "us-east-1", model_id: "m", now: new Date(created) });
  c.conversation_id = id;
  c.created_at = created;
  c.updated_at = updated;
  return saveConversation(c, { dir, ...store });
}

/** The rule as it was written before it streamed: the whole listing sorted, the first of the latest updated_at kept. */
function newestByListing(store: StoreOptions) {
  const { items } = listConversations(store);
  return items.reduce<(typeof items)[number] | undefined>((best, it) => (!best || it.conversation.updated_at > best.conversation.updated_at ? it : best), undefined);
}

test("the latest updated_at wins, not the latest created_at (the file names' timestamps cannot answer --last)", () => {
  const early = save("early", "2026-01-01T00:00:00.000Z", "2026-06-01T00:00:00.000Z");
  save("late", "2026-05-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z");
  expect(newestConversation({ dir }).newest?.path).toBe(early);
});

test("ties on updated_at go to the earliest created_at, then to the first path by localeCompare (not code-point order)", () => {
  const same = "2026-06-01T00:00:00.000Z";
  save("zz-later", "2026-02-01T00:00:00.000Z", same);
  const first = save("yy-earlier", "2026-01-01T00:00:00.000Z", same);
  expect(newestConversation({ dir }).newest?.path).toBe(first);
  // same created_at too: "apple" sorts before "Banana" by localeCompare, after it by code points
  const created = "2025-01-01T00:00:00.000Z";
  save("Banana", created, "2027-01-01T00:00:00.000Z");
  const apple = save("apple", created, "2027-01-01T00:00:00.000Z");
  const { newest } = newestConversation({ dir });
  expect(newest?.path).toBe(apple);
  expect(newest?.conversation.conversation_id).toBe("apple");
});

test("the same answer as sorting the whole listing, over random directories with many ties", () => {
  const days = ["2026-01-01", "2026-01-02", "2026-01-03"];
  const names = ["a", "B", "c", "A", "b", "C", "a-1", "a_1", "A1", "a0"];
  for (let round = 0; round < 25; round++) {
    rmSync(dir, { recursive: true, force: true });
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    for (let i = 0; i < 12; i++) save(`${pick(names)}${i % 3}`, `${pick(days)}T00:00:00.000Z`, `${pick(days)}T12:00:00.000Z`);
    writeFileSync(join(dir, "junk_20260101T000000Z.json"), "{");
    const got = newestConversation({ dir });
    const want = newestByListing({ dir });
    expect(got.newest?.path).toBe(want!.path);
    expect(got.newest?.conversation).toEqual(want!.conversation);
    expect(got.skipped).toEqual(listConversations({ dir }).skipped);
  }
});

test("encrypted conversations: read with the key; without it, refused when written after the newest plaintext one", () => {
  const plain = save("plain", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z");
  const secret = save("secret", "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z", { key: KEY });
  utimesSync(plain, new Date("2026-01-01"), new Date("2026-01-01"));
  expect(newestConversation({ dir, key: KEY }).newest?.path).toBe(secret);
  expect(newestConversation({ dir, key: KEY }).newest?.conversation.conversation_id).toBe("secret");
  expect(() => newestConversation({ dir })).toThrow(`the newest conversation is encrypted and no key was given: ${secret}`);
  // an encrypted file older than the plaintext newest is only skipped
  utimesSync(secret, new Date("2025-01-01"), new Date("2025-01-01"));
  const r = newestConversation({ dir });
  expect(r.newest?.path).toBe(plain);
  expect(r.skipped.map((s) => s.path)).toEqual([secret]);
});

test("an empty or missing directory has no newest conversation", () => {
  expect(newestConversation({ dir })).toEqual({ skipped: [] });
  expect(newestConversation({ dir: join(dir, "none") })).toEqual({ skipped: [] });
});

test("a newest file deleted before it is read again: the directory is looked at again, and the next newest exported", () => {
  const older = save("older", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z");
  const newer = save("newer", "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z");
  const reads: string[] = [];
  const r = newestConversation({ dir }, (path, key) => {
    reads.push(path);
    if (path === newer) rmSync(path);
    return readConversationFile(path, key);
  });
  expect(reads).toEqual([newer, older]);
  expect(r.newest?.path).toBe(older);
  expect(r.skipped).toEqual([]);
  // one that keeps failing: three passes, then the read's own error (exit 2)
  let tries = 0;
  const fail = () => {
    tries++;
    return readConversationFile(join(dir, "missing.json"));
  };
  expect(() => newestConversation({ dir }, fail)).toThrow(`no such conversation file: ${join(dir, "missing.json")}`);
  expect(tries).toBe(3);
});
