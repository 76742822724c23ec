import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConversation, type Conversation } from "../../../lib/conversations/conversation.ts";
import { parseKey } from "../../../lib/conversations/envelope.ts";
import { carryOut, planPrune } from "../../../lib/conversations/prune.ts";
import { lockFile, saveConversation, type StoreOptions } from "../../../lib/conversations/store.ts";
import { listConversations } from "../../helpers/all-conversations.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "redux-prune-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const KEY = parseKey(Buffer.alloc(32, 9).toString("base64"), "test");
const CUTOFF = Date.parse("2026-03-01T00:00:00.000Z");
const OLD = "2026-01-15T00:00:00.000Z";
const NEW = "2026-04-01T00:00:00.000Z";

function conv(id: string, created: string, updated: string, file?: string): Conversation {
  const c = newConversation({ model: "custom:us-east-1:m", region: "us-east-1", model_id: "m", now: new Date(created) });
  c.conversation_id = id;
  c.updated_at = updated;
  const image = file ? { image: { name: "a.png", format: "png" as const, size: 1, sha256: "0".repeat(64), file: `attachments/${file}` } } : undefined;
  c.messages.push({ role: "user", content: [{ text: "hi" }, ...(image ? [image] : [])], timestamp: created });
  return c;
}

const save = (c: Conversation, store: Omit<StoreOptions, "dir"> = {}) => saveConversation(c, { dir, ...store });

/** A stored attachment an hour and more old (younger ones are never pruned). */
function attachment(sha: string) {
  mkdirSync(join(dir, "attachments"), { recursive: true });
  const path = join(dir, "attachments", `${sha}.png`);
  writeFileSync(path, "png");
  utimesSync(path, new Date("2026-01-01"), new Date("2026-01-01"));
  return path;
}

test("--dry-run lists in the order the whole listing had (created_at, then path, by localeCompare), over random directories", () => {
  const days = ["2026-01-01", "2026-01-02", "2026-04-02"];
  const names = ["a", "B", "c", "A", "b", "a-1", "a_1", "A1"];
  for (let round = 0; round < 20; round++) {
    rmSync(dir, { recursive: true, force: true });
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    for (let i = 0; i < 12; i++) save(conv(`${pick(names)}${i % 3}`, `${pick(days)}T00:00:00.000Z`, `${pick(days)}T12:00:00.000Z`));
    writeFileSync(join(dir, "junk_20260101T000000Z.json"), "[]");
    const listed = listConversations({ dir });
    const plan = planPrune({ dir });
    expect(plan.rows.map((r) => r.path)).toEqual(listed.items.map((it) => it.path));
    expect(plan.skipped).toEqual(listed.skipped);
    const old = listed.items.filter((it) => Date.parse(it.conversation.updated_at) < CUTOFF).map((it) => it.path);
    expect(carryOut(plan, { dir }, CUTOFF, true)).toEqual({ removed: old, busy: 0, orphans: [] });
    expect(readdirSync(dir).length).toBe(listed.items.length + 1);
  }
});

test("a conversation continued after the plan is kept with the attachment it names now; the others' attachments go", () => {
  const stale = save(conv("stale", OLD, OLD, `${"a".repeat(64)}.png`));
  const continued = conv("continued", OLD, OLD);
  const path = save(continued);
  const kept = attachment("b".repeat(64));
  const orphan = attachment("a".repeat(64));
  const plan = planPrune({ dir });
  // continued by another process between the listing and the deletions, now naming a stored attachment
  save(conv("continued", OLD, NEW, `${"b".repeat(64)}.png`), {});
  expect(carryOut(plan, { dir }, CUTOFF, false)).toEqual({ removed: [stale], busy: 0, orphans: [orphan] });
  expect(existsSync(stale)).toBe(false);
  expect(existsSync(path)).toBe(true);
  expect(existsSync(kept)).toBe(true);
  expect(existsSync(orphan)).toBe(false);
});

test("an old attachment nobody names, stored again by a chat while prune runs, is kept for the conversation that names it", async () => {
  const { attachmentPart } = await import("../../../lib/conversations/attachments.ts");
  const stale = save(conv("stale", OLD, OLD));
  const bytes = new Uint8Array(300_000).fill(7); // over the size kept inline
  const sha = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
  const orphan = attachment(sha);
  const plan = planPrune({ dir });
  // a new chat attaches the same bytes between the plan and the deletions
  const part = attachmentPart({ kind: "image", name: "x.png", format: "png", bytes }, { dir });
  save(conv("new", NEW, NEW, `${sha}.png`));
  expect(carryOut(plan, { dir }, CUTOFF, false)).toEqual({ removed: [stale], busy: 0, orphans: [] });
  expect("image" in part && part.image.file).toBe(`attachments/${sha}.png`);
  expect(existsSync(orphan)).toBe(true);
});

test("a locked conversation is in use and kept; one damaged after the plan is not deleted; their attachments stay", () => {
  const locked = save(conv("locked", OLD, OLD, `${"c".repeat(64)}.png`));
  const damaged = save(conv("damaged", OLD, OLD, `${"d".repeat(64)}.png`));
  const gone = save(conv("gone", OLD, OLD));
  const files = [attachment("c".repeat(64)), attachment("d".repeat(64))];
  const plan = planPrune({ dir });
  writeFileSync(damaged, "{");
  const release = lockFile(locked);
  try {
    expect(carryOut(plan, { dir }, CUTOFF, false)).toEqual({ removed: [gone], busy: 1, orphans: [] });
  } finally {
    release();
  }
  expect([existsSync(locked), existsSync(damaged), existsSync(gone)]).toEqual([true, true, false]);
  expect(files.map((f) => existsSync(f))).toEqual([true, true]);
});

test("encrypted conversations: without the key skipped and never deleted, nor any attachment; with it, pruned", () => {
  const secret = save(conv("secret", OLD, OLD), { key: KEY });
  const plain = save(conv("plain", OLD, OLD));
  const orphan = attachment("e".repeat(64));
  const blind = planPrune({ dir });
  expect(blind.rows.map((r) => r.path)).toEqual([plain]);
  expect(blind.skipped.map((s) => s.path)).toEqual([secret]);
  expect(carryOut(blind, { dir }, CUTOFF, false)).toEqual({ removed: [plain], busy: 0, orphans: [] });
  expect([existsSync(secret), existsSync(orphan)]).toEqual([true, true]);
  const keyed = planPrune({ dir, key: KEY });
  expect(carryOut(keyed, { dir, key: KEY }, CUTOFF, false)).toEqual({ removed: [secret], busy: 0, orphans: [orphan] });
  expect(readdirSync(dir)).toEqual(["attachments"]);
});
