// Which conversation redux-export --last picks on ties, and the order prune prints, from the compiled binary: both
// read the directory one conversation at a time, and must answer as the sorted whole listing did.
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { bin, run, withTempHome } from "./harness.ts";

let dir: string;
let env: Record<string, string>;
withTempHome((ctx) => ({ dir, env } = ctx), { convs: "convs" });

const exp = (args: string[]) => run(bin("redux-export"), args, { env });

function save(id: string, created: string, updated: string) {
  const c = newConversation({ model: "custom:us-east-1:m", region: "us-east-1", model_id: "m", now: new Date(created) });
  c.conversation_id = id;
  c.updated_at = updated;
  c.messages.push({ role: "user", content: [{ text: `question of ${id}` }], timestamp: created });
  return saveConversation(c, { dir });
}

describe("--last", () => {
  test("the latest updated_at; on a tie the earliest created_at, then the path by localeCompare", async () => {
    const tie = "2026-06-01T00:00:00.000Z";
    save("newest-file-name", "2026-05-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z");
    save("zulu", "2026-02-01T00:00:00.000Z", tie);
    save("Banana", "2026-01-01T00:00:00.000Z", tie);
    save("apple", "2026-01-01T00:00:00.000Z", tie);
    const r = await exp(["--last", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).conversation_id).toBe("apple");
  });

  test("a damaged file beside it: one warning line, the newest readable conversation exported", async () => {
    save("only", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z");
    writeFileSync(join(dir, "zz_20990101T000000Z.json"), "{");
    const r = await exp(["--last", "--format", "txt"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("question of only");
    expect(r.stderr.trimEnd().split("\n")).toEqual([`warning: skipped 1 file that is not a readable redux conversation (${join(dir, "zz_20990101T000000Z.json")} is not valid JSON)`]);
  });
});

describe("prune", () => {
  test("--dry-run prints paths oldest created first, ties by path (localeCompare), and deletes nothing", async () => {
    const old = "2026-01-01T00:00:00.000Z";
    const paths = {
      b: save("Banana", "2026-01-02T00:00:00.000Z", old),
      a: save("apple", "2026-01-02T00:00:00.000Z", old),
      first: save("zz", "2026-01-01T00:00:00.000Z", old),
      fresh: save("fresh", "2026-01-01T00:00:00.000Z", new Date().toISOString()),
    };
    writeFileSync(join(dir, "junk.json"), "[]");
    const r = await exp(["prune", "--older-than", "30d", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${paths.first}\n${paths.a}\n${paths.b}\n`);
    const err = r.stderr.trimEnd().split("\n");
    expect(err).toHaveLength(2);
    expect(err[0]).toStartWith("warning: skipped 1 file that is not a readable redux conversation (");
    expect(err[0]).toEndWith("; those are never deleted");
    expect(err[1]).toBe("would delete 3 of 4 conversations");
    expect(Object.values(paths).every((p) => existsSync(p))).toBe(true);
    const real = await exp(["prune", "--older-than", "30d", "--json"]);
    expect(JSON.parse(real.stdout)).toEqual({ dry_run: false, removed: [paths.first, paths.a, paths.b], kept: 1, in_use: 0, attachments_removed: 0 });
    expect(Object.values(paths).map((p) => existsSync(p))).toEqual([false, false, false, true]);
  });
});
