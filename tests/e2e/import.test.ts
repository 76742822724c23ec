// redux-export import end to end: Amazon Q CLI /save files, directories of them and its data.sqlite3, from dist/.
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { bin, run, withTempHome } from "./harness.ts";
import { assertValid, assertValidConversation } from "../schema.ts";
import { legacyConversation, prompt, response, state, toolConversation, writeDatabase, writeSave } from "../fakes/amazon-q-history.ts";

let home: string;
let dir: string;
let env: Record<string, string>;
withTempHome((ctx) => ({ home, dir, env } = ctx));

const exp = (args: string[], e = env) => run(bin("redux-export"), args, { env: e });
const saved = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".json")) : []);
const readSaved = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const TOOL_ID = "6d3c1e2a-1111-4b7c-9d0e-aaaaaaaaaaaa";
const LEGACY_ID = "0a0b0c0d-2222-4b7c-9d0e-bbbbbbbbbbbb";

describe("redux-export import", () => {
  test("a /save file: imported once with tool parts and metadata; a second run adds nothing and says so", async () => {
    const file = join(home, "saves", "session.json");
    writeSave(file, toolConversation());
    const first = await exp(["import", file]);
    expect(first.stderr).toContain("imported 1, updated 0, 0 already present");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("");
    const names = saved();
    expect(names).toEqual([`q-${TOOL_ID}_20261001T090000Z.json`]);
    expect(statSync(join(dir, names[0]!)).mode & 0o777).toBe(0o600);
    const c = readSaved(names[0]!);
    assertValidConversation(c);
    expect(c.source).toMatchObject({ kind: "amazon-q-cli", conversation_id: TOOL_ID, cwd: "/srv/app", model: "claude-sonnet-4", message_count: 4 });
    expect(c.messages[1].content[1]).toEqual({ tool_use: { id: "tooluse_1", name: "execute_bash", input: { command: "ls" } } });

    const again = await exp(["import", file]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("imported 0, updated 0, 1 already present");
    expect(saved()).toEqual(names);

    // listed and exported like any conversation, tool parts shown
    const list = await exp(["list", "--json"]);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ id: `q-${TOOL_ID}`, turns: 2 });
    const md = await exp([`q-${TOOL_ID}`, "--format", "md"]);
    expect(md.stdout).toContain('[tool use execute_bash (tooluse_1): {"command":"ls"}]');
    expect(md.stdout).toContain("There are two files");
  });

  test("the source grew: the imported copy is updated, keeping its file", async () => {
    const file = join(home, "s.json");
    writeSave(file, toolConversation(TOOL_ID, 2));
    await exp(["import", file]);
    writeSave(file, toolConversation(TOOL_ID, 4));
    const r = await exp(["import", file, "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    assertValid("import-result.schema.json", out);
    expect(out).toMatchObject({ imported: 0, updated: 1, unchanged: 0 });
    expect(saved()).toHaveLength(1);
    expect(readSaved(saved()[0]!).messages).toHaveLength(8);
  });

  test("the database (found by default under HOME), older and newer shapes, damaged rows skipped and counted; never written", async () => {
    const db = join(home, ".local", "share", "amazon-q", "data.sqlite3");
    writeDatabase(db, [
      ["/srv/app", JSON.stringify(toolConversation())],
      ["/home/me/legacy", JSON.stringify(legacyConversation())],
      ["/broken", "{not json"],
      ["/other", JSON.stringify({ hello: "world" })],
      ["/empty", JSON.stringify(state("e-1", []))],
    ]).close();
    chmodSync(db, 0o444);
    const before = sha(db);
    const r = await exp(["import", "--json"]);
    expect(r.code).toBe(7);
    const out = JSON.parse(r.stdout);
    assertValid("import-result.schema.json", out);
    expect(out).toMatchObject({ imported: 2, updated: 0, unchanged: 0, empty: 1 });
    expect(out.skipped).toEqual([
      { source: `${db}#/broken`, reason: "the row is not valid JSON" },
      { source: `${db}#/other`, reason: "no conversation_id: not an Amazon Q CLI conversation" },
    ]);
    expect(r.stderr).toContain(`skipped ${db}#/broken: the row is not valid JSON`);
    expect(r.stderr.match(/skipped \//g)).toHaveLength(2);
    expect(sha(db)).toBe(before);
    expect(readdirSync(join(home, ".local", "share", "amazon-q"))).toEqual(["data.sqlite3"]);
    const legacy = readSaved(saved().find((n) => n.startsWith(`q-${LEGACY_ID}`))!);
    assertValidConversation(legacy);
    expect(legacy.source.origin).toBe(`${db}#/home/me/legacy`);
    expect(legacy.model_id).toBe("CLAUDE_3_7_SONNET_20250219_V1_0");
  });

  test("a WAL-mode database still open in Amazon Q: read with its recent rows, and no -shm/-wal created beside it", async () => {
    const qdir = join(home, "q-wal");
    const db = join(qdir, "data.sqlite3");
    const open = writeDatabase(db, [["/srv/app", JSON.stringify(toolConversation())]], { wal: true });
    try {
      const before = readdirSync(qdir).sort();
      expect(before).toContain("data.sqlite3-wal");
      const sums = before.map((n) => sha(join(qdir, n)));
      const r = await exp(["import", db, "--json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ imported: 1 });
      expect(readdirSync(qdir).sort()).toEqual(before);
      expect(before.map((n) => sha(join(qdir, n)))).toEqual(sums);
    } finally {
      open.close();
    }
    // closed by Amazon Q: only data.sqlite3 is left, and a read-only open of a WAL file would add -shm and -wal
    expect(readdirSync(qdir)).toEqual(["data.sqlite3"]);
    const r = await exp(["import", db, "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ unchanged: 1 });
    expect(readdirSync(qdir)).toEqual(["data.sqlite3"]);
  });

  test("a /save file and a database row of the same conversation are one conversation", async () => {
    const db = join(home, "q", "data.sqlite3");
    writeDatabase(db, [["/srv/app", JSON.stringify(toolConversation(TOOL_ID, 3))]]).close();
    const file = join(home, "old-save.json");
    writeSave(file, toolConversation(TOOL_ID, 2));
    const r = await exp(["import", file, db, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 1, updated: 1 });
    expect(saved()).toHaveLength(1);
    expect(readSaved(saved()[0]!).messages).toHaveLength(6);
  });

  test("a directory of /save files with a damaged one: the rest imported, one line for it, exit 7", async () => {
    const d = join(home, "saves");
    writeSave(join(d, "a.json"), toolConversation());
    writeSave(join(d, "b.json"), legacyConversation());
    writeFileSync(join(d, "c.json"), '{"conversation_id": "x", "hist');
    writeFileSync(join(d, "notes.txt"), "ignored");
    const r = await exp(["import", d]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(`skipped ${join(d, "c.json")}: not valid JSON`);
    expect(r.stderr).toContain("imported 2");
    expect(saved()).toHaveLength(2);
  });

  test("--dry-run writes nothing; a missing path is exit 2 and nothing is written", async () => {
    const file = join(home, "s.json");
    writeSave(file, toolConversation());
    const dry = await exp(["import", file, "--dry-run", "--json"]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, imported: 1 });
    expect(existsSync(dir)).toBe(false);
    const missing = await exp(["import", file, join(home, "nope.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no such file or directory: ${join(home, "nope.json")}`);
    expect(missing.stderr).toContain("hint:");
    expect(existsSync(dir)).toBe(false);
    const noDb = await exp(["import"]);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain("no Amazon Q CLI database at");
  });

  test("encryption at rest applies to imported conversations", async () => {
    const file = join(home, "s.json");
    writeSave(file, toolConversation());
    const key = Buffer.alloc(32, 7).toString("hex");
    const e = { ...env, REDUX_ENCRYPTION_KEY: key };
    expect((await exp(["import", file], e)).code).toBe(0);
    const raw = readFileSync(join(dir, saved()[0]!), "utf8");
    expect(raw).not.toContain("list the files here");
    expect(JSON.parse(raw).format).toBe("redux-envelope-v1");
    expect((await exp(["import", file], e)).stderr).toContain("1 already present");
    const md = await exp([`q-${TOOL_ID}`, "--format", "txt"], e);
    expect(md.stdout).toContain("list the files here");
  });

  test("continuing an imported conversation needs a Bedrock model: a clear exit 2 without -m", async () => {
    const file = join(home, "s.json");
    writeSave(file, toolConversation());
    await exp(["import", file]);
    const r = await run(bin("redux-chat"), ["--resume", `q-${TOOL_ID}`, "more"], { env: { ...env, AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("was imported from the Amazon Q CLI");
    expect(r.stderr).toContain("hint: continue it with a Bedrock model: -m custom:<region>:<model-id>");
  });
});
