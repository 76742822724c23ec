// Export figures for `npm run bench`: `redux-export list --json` over 50,000 conversations, `--all --format md -o
// DIR` and `--all --format jsonl` to stdout over 10,000 (time and peak memory, against 1,000 for flatness), each
// beside the time to merely read and parse the same files (the floor); `list` on an empty directory and on one
// conversation against `--version`. Prints one JSON line of rows.
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { conversationFileName } from "../../lib/conversations/store.ts";
import { scrubbedEnv } from "../../tests/e2e/harness.ts";

const root = join(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "redux-bench-export-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const TIME = "/usr/bin/time";

/** `n` conversations of three turns each, written plainly (the bench measures reading them, not saving them). */
function fill(dir: string, n: number) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const t0 = Date.now() - n * 60_000;
  for (let i = 0; i < n; i++) {
    const c = newConversation({ model: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", now: new Date(t0 + i * 60_000) });
    for (let t = 0; t < 3; t++) {
      const ts = new Date(t0 + i * 60_000 + t * 1000).toISOString();
      c.messages.push({ role: "user", content: [{ text: `question ${i}.${t}: how do I rotate the credentials on host ${i}?` }], timestamp: ts });
      c.messages.push({ role: "assistant", content: [{ text: `Answer ${i}.${t}. `.repeat(20) }], timestamp: ts, model: c.model, usage: { input_tokens: 20, output_tokens: 60, total_tokens: 80 }, stop_reason: "end_turn", latency_ms: 900, status: "complete" });
    }
    c.usage = { input_tokens: 60, output_tokens: 180, total_tokens: 240 };
    writeFileSync(join(dir, conversationFileName(c)), `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  }
}

/** Median wall time and CPU time (user + system, ms) and the largest peak RSS (MiB) over `runs` runs. */
function time(argv: string[], env: Record<string, string>, runs: number, before?: () => void) {
  const ts: number[] = [];
  const cpu: number[] = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    before?.();
    const measured = existsSync(TIME);
    const t0 = performance.now();
    const r = Bun.spawnSync(measured ? [TIME, "-f", "%M %U %S", ...argv] : argv, { env, stdout: "ignore", stderr: "pipe" });
    ts.push(performance.now() - t0);
    if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
    if (measured) {
      const [rss, user, sys] = r.stderr.toString().trim().split("\n").at(-1)!.split(" ").map(Number);
      peak = Math.max(peak, rss! / 1024);
      cpu.push((user! + sys!) * 1000);
    }
  }
  return { ms: median(ts), cpuMs: cpu.length ? median(cpu) : Number.NaN, mib: peak };
}

/**
 * The disk's floor for an export: `n` files of `bytes` each written the way --all writes them (a temp name, then a
 * rename into place) without any fsync, in-process. On a shared machine this moves with everyone else's I/O.
 */
let floors = 0;
function writeFloor(n: number, bytes: number) {
  // a new directory each time, kept until the end (as the export runs: see clean below)
  const dir = join(work, `write-floor-${floors++}`);
  mkdirSync(dir);
  const text = "x".repeat(bytes);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const tmp = join(dir, `.f${i}.md.tmp`);
    const fd = openSync(tmp, "wx", 0o666);
    writeSync(fd, text);
    closeSync(fd);
    renameSync(tmp, join(dir, `f${i}.md`));
  }
  return performance.now() - t0;
}

/** The floor: reading and JSON-parsing every file, in-process, with nothing else. */
function floor(dir: string) {
  const t0 = performance.now();
  for (const n of readdirSync(dir)) JSON.parse(readFileSync(join(dir, n), "utf8"));
  return performance.now() - t0;
}

try {
  const huge = join(work, "50k");
  const big = join(work, "10k");
  const small = join(work, "1k");
  const one = join(work, "one");
  const none = join(work, "none");
  fill(huge, 50_000);
  fill(big, 10_000);
  fill(small, 1_000);
  fill(one, 1);
  mkdirSync(none);
  // the 61,000 files just written are flushed before anything is timed: their writeback is the setup's, not redux's
  Bun.spawnSync(["sync"]);
  const env = (dir: string) => ({ ...scrubbedEnv(), HOME: work, NO_COLOR: "1", REDUX_CONVERSATIONS_DIR: dir });
  const exp = join(root, "dist", "redux-export");
  Bun.spawnSync(["cat", join(root, "dist", "redux")], { stdout: "ignore" });

  // list on an empty directory and on one conversation, alternating with --version so all see the same machine
  const tv: number[] = [];
  const te: number[] = [];
  const t1: number[] = [];
  const once = (argv: string[], dir: string) => {
    const t0 = performance.now();
    const r = Bun.spawnSync(argv, { env: env(dir), stdout: "ignore", stderr: "ignore" });
    if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 33; i++) {
    const [v, e, o] = [once([exp, "--version"], none), once([exp, "list"], none), once([exp, "list"], one)];
    if (i >= 3) tv.push(v), te.push(e), t1.push(o);
  }
  const version = median(tv);

  const list = time([exp, "list", "--json"], env(huge), 3);
  const listFloor = median([floor(huge), floor(huge), floor(huge)]);
  const out = join(work, "out");
  // each run's files moved aside, not deleted, until the end: ext4 passes over inodes freed in the last minute when it
  // allocates one, and scanning 10,000 just-deleted ones cost more system time than the rest of the export
  let runs = 0;
  const clean = () => existsSync(out) && renameSync(out, join(work, `out-${runs++}`));
  const md = time([exp, "--all", "--format", "md", "-o", out], env(big), 3, clean);
  const mdSmall = time([exp, "--all", "--format", "md", "-o", out], env(small), 3, clean);
  const jsonl = time([exp, "--all", "--format", "jsonl"], env(big), 3);
  const jsonlSmall = time([exp, "--all", "--format", "jsonl"], env(small), 3);
  const mdFloor = median([floor(big), floor(big), floor(big)]);
  // as many files as the export writes, of the size its Markdown comes to
  const mdBytes = readdirSync(out).reduce((n, f) => n + readFileSync(join(out, f)).length, 0) / readdirSync(out).length;
  const diskFloor = median([writeFloor(10_000, mdBytes), writeFloor(10_000, mdBytes), writeFloor(10_000, mdBytes)]);
  const rows = [
    { what: "redux-export list, empty directory", value: `${median(te).toFixed(1)} ms`, baseline: `${version.toFixed(1)} ms (--version)`, ratio: median(te) / version, goal: "≤ 1.5×", ok: median(te) / version <= 1.5 },
    { what: "redux-export list, 1 conversation", value: `${median(t1).toFixed(1)} ms`, baseline: `${version.toFixed(1)} ms (--version)`, ratio: median(t1) / version, goal: "≤ 1.5×", ok: median(t1) / version <= 1.5 },
    { what: "redux-export list --json, 50,000 conversations", value: `${list.ms.toFixed(0)} ms, ${list.mib.toFixed(0)} MiB`, baseline: `${listFloor.toFixed(0)} ms (read + parse only)`, ratio: list.ms / listFloor, goal: "≤ 1000 ms, ≤ 300 MiB", ok: list.ms <= 1000 && list.mib <= 300 },
    { what: "redux-export --all --format md -o DIR, 10,000 conversations", value: `${md.ms.toFixed(0)} ms (CPU ${md.cpuMs.toFixed(0)} ms), ${md.mib.toFixed(0)} MiB (1,000: ${mdSmall.mib.toFixed(0)} MiB)`, baseline: `${mdFloor.toFixed(0)} ms (read + parse only); ${diskFloor.toFixed(0)} ms (10,000 temp+rename writes, no fsync)`, ratio: md.ms / mdFloor, goal: "≤ 1000 ms, flat memory", ok: md.ms <= 1000 && md.mib <= mdSmall.mib * 1.5 },
    { what: "redux-export --all --format jsonl to stdout, 10,000 conversations", value: `${jsonl.ms.toFixed(0)} ms (CPU ${jsonl.cpuMs.toFixed(0)} ms), ${jsonl.mib.toFixed(0)} MiB (1,000: ${jsonlSmall.mib.toFixed(0)} MiB)`, baseline: `${mdFloor.toFixed(0)} ms (read + parse only)`, ratio: jsonl.ms / mdFloor, goal: "flat memory", ok: jsonl.mib <= jsonlSmall.mib * 1.5 },
  ];
  console.log(JSON.stringify({ rows }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
