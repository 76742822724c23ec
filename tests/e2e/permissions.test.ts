// File permissions: redux never changes the mode of a directory it did not create (as root, `-o` into the system temp
// directory would otherwise make it 0700 and drop its sticky bit). Its own data directories are created 0700;
// conversations are 0600; exports and batch output follow the umask, and a file they replace keeps its mode.
import { describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const mode = (p: string) => statSync(p).mode & 0o7777;
const umask = process.umask();
const convDir = () => join(home, ".amazon-q", "conversations");

/** A directory like /tmp: world-writable with the sticky bit. */
function sharedDir(name: string) {
  const d = join(home, name);
  mkdirSync(d);
  chmodSync(d, 0o1777);
  return d;
}

async function oneConversation() {
  const r = await run(bin("redux-chat"), ["-m", MODEL, "hello"], { env });
  expect(r.code).toBe(0);
  const [name] = readdirSync(convDir()).filter((n) => n.endsWith(".json"));
  return { name: name!, path: join(convDir(), name!), id: name!.split("_")[0]! };
}

describe("directories redux did not create keep their mode", () => {
  test("redux-export -o d/x.md and --all -o DIR: the directory (sticky bit too) is left as it was", async () => {
    const c = await oneConversation();
    const shared = sharedDir("shared");
    const r = await run(bin("redux-export"), [c.id, "--format", "md", "-o", join(shared, "x.md")], { env });
    expect(r.code).toBe(0);
    expect(mode(shared)).toBe(0o1777);
    expect(mode(join(shared, "x.md"))).toBe(0o666 & ~umask);
    // replacing a file keeps that file's mode
    chmodSync(join(shared, "x.md"), 0o640);
    expect((await run(bin("redux-export"), [c.id, "--format", "txt", "-o", join(shared, "x.md")], { env })).code).toBe(0);
    expect(mode(join(shared, "x.md"))).toBe(0o640);

    const all = sharedDir("all");
    expect((await run(bin("redux-export"), ["--all", "--format", "md", "-o", all], { env })).code).toBe(0);
    expect(mode(all)).toBe(0o1777);
    expect(readdirSync(all)).toEqual([`${c.id}.md`]);
    // a directory --all creates is made as mkdir -p would: the umask decides, not 0700
    const fresh = join(home, "fresh", "exports");
    expect((await run(bin("redux-export"), ["--all", "--format", "md", "-o", fresh], { env })).code).toBe(0);
    expect(mode(fresh)).toBe(0o777 & ~umask);
  });

  test("batch -o DIR/OUT: DIR is left as it was; a new OUT follows the umask", async () => {
    const shared = sharedDir("shared");
    const input = join(home, "in.txt");
    writeFileSync(input, "a\nb\n");
    const out = join(shared, "out.jsonl");
    const r = await run(bin("redux-chat"), ["batch", input, "-o", out, "-m", MODEL, "-q"], { env });
    expect(r.code).toBe(0);
    expect(mode(shared)).toBe(0o1777);
    expect(mode(out)).toBe(0o666 & ~umask);
    expect(readdirSync(shared)).toEqual(["out.jsonl"]);
  });

  test("--resume DIR/FILE.json: DIR is left as it was; the conversation stays 0600", async () => {
    const c = await oneConversation();
    const shared = sharedDir("shared");
    const copy = join(shared, "mine.json");
    copyFileSync(c.path, copy);
    chmodSync(copy, 0o600);
    const r = await run(bin("redux-chat"), ["--resume", copy, "more"], { env });
    expect(r.code).toBe(0);
    expect(mode(shared)).toBe(0o1777);
    expect(mode(copy)).toBe(0o600);
    expect(readdirSync(shared)).toEqual(["mine.json"]);
  });

  test("an existing ~/.amazon-q (the Amazon Q CLI's) is not chmodded; the conversations directory redux creates is 0700", async () => {
    mkdirSync(join(home, ".amazon-q"), { mode: 0o755 });
    chmodSync(join(home, ".amazon-q"), 0o755);
    await oneConversation();
    expect(mode(join(home, ".amazon-q"))).toBe(0o755);
    expect(mode(convDir())).toBe(0o700);
    // an existing conversations directory (REDUX_CONVERSATIONS_DIR someone made) is used as it is
    const mine = join(home, "team-conversations");
    mkdirSync(mine);
    chmodSync(mine, 0o2770);
    const r = await run(bin("redux-chat"), ["-m", MODEL, "hi"], { env: { ...env, REDUX_CONVERSATIONS_DIR: mine } });
    expect(r.code).toBe(0);
    expect(mode(mine)).toBe(0o2770);
    const [f] = readdirSync(mine);
    expect(mode(join(mine, f!))).toBe(0o600);
    expect(existsSync(join(mine, `${f}.lock`))).toBe(false);
    // settings: ~/.amazon-q left as it is, the file 0600
    expect((await run(bin("redux-chat"), ["settings", "chat.maxTokens", "100"], { env })).code).toBe(0);
    expect(mode(join(home, ".amazon-q"))).toBe(0o755);
    expect(mode(join(home, ".amazon-q", "settings.json"))).toBe(0o600);
  });
});
