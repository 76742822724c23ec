// File-system trouble as a person meets it: one `error:` line naming the path and what failed, a `hint:`, exit 2 for a
// path that cannot be used as given or 9 for a full or failing disk; never "internal error". Also the encrypted
// newest conversation that `-c` must not silently skip.
import { describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const KEY = Buffer.alloc(32, 7).toString("hex");
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const chat = (args: string[], e = env) => run(bin("redux-chat"), args, { env: e });
const convDir = () => join(home, ".amazon-q", "conversations");
const files = () => (existsSync(convDir()) ? readdirSync(convDir()).filter((n) => n.endsWith(".json")).sort() : []);

describe("-c and --last with an encrypted newest conversation", () => {
  test("no key: exit 2 'the newest conversation is encrypted' with a key hint, never an older plaintext one", async () => {
    expect((await chat(["-m", MODEL, "plain and old"])).code).toBe(0);
    await Bun.sleep(20);
    expect((await chat(["-m", MODEL, "secret and new"], { ...env, REDUX_ENCRYPTION_KEY: KEY })).code).toBe(0);
    const before = files().map((n) => readFileSync(join(convDir(), n), "utf8"));
    fake.reset();
    const r = await chat(["-c", "go on"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBe(2);
    expect(lines[0]).toStartWith("error: the newest conversation is encrypted and no key was given: ");
    expect(lines[1]).toStartWith("hint: pass --key-file PATH or set REDUX_ENCRYPTION_KEY");
    expect(fake.requests.length).toBe(0);
    expect(files().map((n) => readFileSync(join(convDir(), n), "utf8"))).toEqual(before);
    const last = await run(bin("redux-export"), ["--last"], { env });
    expect(last.code).toBe(2);
    expect(last.stderr).toContain("the newest conversation is encrypted");
    // with the key, -c continues the encrypted one
    const ok = await chat(["-c", "go on"], { ...env, REDUX_ENCRYPTION_KEY: KEY });
    expect(ok.code).toBe(0);
    expect(fake.requests.at(-1)!.body.messages[0].content[0].text).toBe("secret and new");
  });
});

const isRoot = process.getuid?.() === 0;

/** Can this run mount a tmpfs (root with CAP_SYS_ADMIN)? The read-only and full-disk tests need one. */
const canMount = (() => {
  if (!isRoot || !Bun.which("mount")) return false;
  const dir = mkdtempSync(join(tmpdir(), "redux-mount-probe-"));
  try {
    if (Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", dir], { stderr: "ignore" }).exitCode !== 0) return false;
    Bun.spawnSync(["umount", dir]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
if (!canMount) console.warn("SKIPPED: the EROFS and ENOSPC tests need root and mount(8) for a small tmpfs; they did not run");
const exportBin = () => bin("redux-export");

async function oneConversation() {
  const r = await chat(["-m", MODEL, "hello"]);
  expect(r.code).toBe(0);
  const [name] = files();
  return { path: join(convDir(), name!), id: name!.split("_")[0]! };
}

/** Exactly two lines: `error: cannot <what> <path>: …` and `hint: …`; never an internal error or a stack. */
function expectFsError(r: { code: number; stderr: string }, code: number, what: string, path: string, errno: string) {
  const lines = r.stderr.trimEnd().split("\n").filter((l) => !l.startsWith("batch:"));
  expect({ code: r.code, lines: lines.length }).toEqual({ code, lines: 2 });
  expect(lines[0]).toStartWith(`error: cannot ${what} ${path}`);
  expect(lines[0]).toContain(": ");
  expect(lines[0]).toEndWith(`(${errno})`);
  expect(lines[1]).toStartWith("hint: ");
  expect(r.stderr).not.toContain("internal error");
}

/** A tmpfs mounted on a new directory (canMount). */
function tmpfs(name: string, options: string): { dir: string; remount(o: string): void; unmount(): void } {
  const dir = join(home, name);
  mkdirSync(dir);
  const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", options, "tmpfs", dir], { stderr: "pipe" });
  if (m.exitCode !== 0) throw new Error(`mount -t tmpfs failed: ${m.stderr.toString()}`);
  return {
    dir,
    remount: (o) => void Bun.spawnSync(["mount", "-o", `remount,${o}`, dir]),
    unmount: () => void Bun.spawnSync(["umount", "-l", dir]),
  };
}

describe("file-system errors: one line naming the path and what failed, a hint, exit 2 (the path) or 9 (the disk)", () => {
  test("ENOENT, ENOTDIR, EISDIR, EEXIST on -o, --all -o, batch -o and the conversations directory", async () => {
    const c = await oneConversation();
    writeFileSync(join(home, "afile"), "");
    mkdirSync(join(home, "adir"));
    const input = join(home, "in.txt");
    writeFileSync(input, "a\n");
    const cases: [string, string[], Record<string, string>, string, string, string][] = [
      ["redux-export", [c.id, "-o", join(home, "missing", "x.md")], env, "write", join(home, "missing", "x.md"), "ENOENT"],
      ["redux-export", [c.id, "-o", join(home, "afile", "x.md")], env, "write", join(home, "afile", "x.md"), "ENOTDIR"],
      ["redux-export", [c.id, "-o", join(home, "adir")], env, "write", join(home, "adir"), "EISDIR"],
      ["redux-export", ["--all", "--format", "md", "-o", join(home, "afile")], env, "create the export directory", join(home, "afile"), "EEXIST"],
      ["redux-chat", ["batch", input, "-o", join(home, "missing", "out.jsonl"), "-m", MODEL], env, "write the batch output", join(home, "missing", "out.jsonl"), "ENOENT"],
      ["redux-chat", ["batch", input, "-o", join(home, "adir"), "-m", MODEL], env, "write the batch output", join(home, "adir"), "EISDIR"],
      ["redux-chat", ["-m", MODEL, "x"], { ...env, REDUX_CONVERSATIONS_DIR: join(home, "afile", "sub") }, "create the conversations directory", join(home, "afile", "sub"), "ENOTDIR"],
    ];
    fake.reset();
    for (const [name, args, e, what, path, errno] of cases) {
      const r = await run(bin(name as "redux-chat"), args, { env: e });
      expectFsError(r, 2, what, path, errno);
    }
    expect(fake.requests.length).toBe(0);
    expect(readdirSync(join(home, "adir"))).toEqual([]);
  });

  test("EACCES: a directory that may not be written", async () => {
    const c = await oneConversation();
    // root may write anywhere: the binary runs as nobody there (setpriv, util-linux), as ourselves otherwise
    const asUser = isRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : [];
    chmodSync(home, 0o755);
    const pub = join(home, "pub");
    mkdirSync(pub, { mode: 0o755 });
    const conv = join(pub, "c.json");
    copyFileSync(c.path, conv);
    chmodSync(conv, 0o644);
    const userHome = join(home, "user-home");
    mkdirSync(userHome);
    chmodSync(userHome, 0o777);
    const locked = join(home, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const input = join(pub, "in.txt");
    writeFileSync(input, "a\n");
    chmodSync(input, 0o644);
    const e = { ...env, HOME: userHome };
    const go = async (name: "redux-export" | "redux-chat", args: string[]) => {
      const p = Bun.spawn([...asUser, bin(name), ...args], { env: e, cwd: userHome, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return { stdout, stderr, code };
    };
    expectFsError(await go("redux-export", [conv, "-o", join(locked, "x.md")]), 2, "write", join(locked, "x.md"), "EACCES");
    expectFsError(await go("redux-chat", ["batch", input, "-o", join(locked, "out.jsonl"), "-m", MODEL]), 2, "write the batch output", join(locked, "out.jsonl"), "EACCES");
    const noSave = await Bun.spawn([...asUser, bin("redux-chat"), "-m", MODEL, "x"], { env: { ...e, REDUX_CONVERSATIONS_DIR: locked }, cwd: userHome, stdout: "pipe", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(noSave.stderr).text(), noSave.exited]);
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(new RegExp(`^error: cannot create the lock file ${locked}/[0-9a-f-]+_\\d{8}T\\d{6}Z\\.json\\.lock: permission denied \\(EACCES\\)$`));
    expect(lines[1]).toStartWith("hint: check the permissions of ");
    expect(readdirSync(locked)).toEqual([]);
  });

  test.skipIf(!canMount)("EROFS: a read-only file system (a tmpfs mounted ro)", async () => {
    const c = await oneConversation();
    const ro = tmpfs("ro", "ro,size=1m");
    try {
      const input = join(home, "in.txt");
      writeFileSync(input, "a\n");
      expectFsError(await run(bin("redux-export"), [c.id, "-o", join(ro.dir, "x.md")], { env }), 2, "write", join(ro.dir, "x.md"), "EROFS");
      expectFsError(await run(bin("redux-chat"), ["batch", input, "-o", join(ro.dir, "out.jsonl"), "-m", MODEL], { env }), 2, "write the batch output", join(ro.dir, "out.jsonl"), "EROFS");
      expectFsError(await run(bin("redux-chat"), ["-m", MODEL, "x"], { env: { ...env, REDUX_CONVERSATIONS_DIR: join(ro.dir, "c") } }), 2, "create the conversations directory", join(ro.dir, "c"), "EROFS");
    } finally {
      ro.unmount();
    }
  });

  test.skipIf(!canMount)("ENOSPC: batch on a full disk (a 16 KiB tmpfs) exits 9, its summary counts only the lines in OUT, and a re-run finishes the rest", async () => {
    const disk = tmpfs("small", "size=16k");
    try {
      const n = 30;
      const input = join(home, "in.txt");
      // each answer echoes a 1 KiB prompt: a 16 KiB disk holds a dozen result lines
      writeFileSync(input, Array.from({ length: n }, (_, i) => `${i + 1} ${"x".repeat(1000)}`).join("\n"));
      const out = join(disk.dir, "out.jsonl");
      const r = await run(bin("redux-chat"), ["batch", input, "-o", out, "-m", MODEL, "--concurrency", "2"], { env });
      expectFsError(r, 9, "write", out, "ENOSPC");
      expect(r.stderr).toContain("hint: free some space");
      const lines = readFileSync(out, "utf8").split("\n");
      expect(lines.at(-1)).toBe(""); // whole lines only
      const written = lines.filter(Boolean).map((l) => JSON.parse(l));
      expect(written.length).toBeGreaterThan(0);
      expect(written.length).toBeLessThan(n);
      expect(r.stderr).toContain(`batch: ${written.length} ok, 0 failed`);
      // a conversation cannot be saved there either: nothing is sent
      fake.reset();
      expectFsError(await run(bin("redux-chat"), ["-m", MODEL, "x"], { env: { ...env, REDUX_CONVERSATIONS_DIR: disk.dir } }), 9, "save the conversation to", `${disk.dir}/`, "ENOSPC");
      expect(fake.requests.length).toBe(0);
      disk.remount("size=1m");
      const again = await run(bin("redux-chat"), ["batch", input, "-o", out, "-m", MODEL], { env });
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`${n - written.length} ok, 0 failed, ${written.length} skipped`);
      const ids = readFileSync(out, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l).id);
      expect(ids.sort((a: string, b: string) => Number(a) - Number(b))).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
    } finally {
      disk.unmount();
    }
  });
});

describe("stdout on a full disk (/dev/full)", () => {
  /** Runs with stdout sent to /dev/full, where every write fails with ENOSPC, as `> file` on a full disk does. */
  async function toFull(name: Parameters<typeof bin>[0], args: string[]) {
    const p = Bun.spawn([bin(name), ...args], { env, stdout: Bun.file("/dev/full"), stderr: "pipe", stdin: "ignore" });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    return { code, stderr };
  }

  test("a streamed answer: one error line, a hint, exit 9, and the answer is still saved whole", async () => {
    const r = await toFull("redux-chat", ["-m", MODEL, "hello there"]);
    expectFsError(r, 9, "write to", "standard output", "ENOSPC");
    const saved = JSON.parse(readFileSync(join(convDir(), files()[0]!), "utf8"));
    expect(saved.messages.at(-1).content[0].text).toBe("Echo: hello there");
  });

  test("redux-export list --json: exit 9, never an internal error", async () => {
    expect((await chat(["-m", MODEL, "one"])).code).toBe(0);
    expectFsError(await toFull("redux-export", ["list", "--json"]), 9, "write to", "standard output", "ENOSPC");
  });

  test("redux-export --all --format jsonl (streamed): exit 9, never an internal error", async () => {
    expect((await chat(["-m", MODEL, "one"])).code).toBe(0);
    expectFsError(await toFull("redux-export", ["--all", "--format", "jsonl"]), 9, "write to", "standard output", "ENOSPC");
  });
});
