// Export figures for `npm run bench`: `redux-export list` over 10,000 conversations and `--all --format md` over
// 1,000, each against the time to merely read the same files (the floor), printed as one JSON line of rows.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { scrubbedEnv } from "../../tests/e2e/harness.ts";

const root = join(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "redux-bench-export-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function fill(dir: string, n: number) {
  const t0 = Date.now() - n * 60_000;
  for (let i = 0; i < n; i++) {
    const c = newConversation({ model: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", now: new Date(t0 + i * 60_000) });
    for (let t = 0; t < 3; t++) {
      const ts = new Date(t0 + i * 60_000 + t * 1000).toISOString();
      c.messages.push({ role: "user", content: [{ text: `question ${i}.${t}: how do I rotate the credentials on host ${i}?` }], timestamp: ts });
      c.messages.push({ role: "assistant", content: [{ text: `Answer ${i}.${t}. `.repeat(20) }], timestamp: ts, model: c.model, usage: { input_tokens: 20, output_tokens: 60, total_tokens: 80 }, stop_reason: "end_turn", latency_ms: 900, status: "complete" });
    }
    c.usage = { input_tokens: 60, output_tokens: 180, total_tokens: 240 };
    saveConversation(c, { dir });
  }
}

function time(argv: string[], env: Record<string, string>, runs: number) {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "pipe" });
    ts.push(performance.now() - t0);
    if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  }
  return median(ts);
}

/** The floor: reading and JSON-parsing every file, in-process, with nothing else. */
function floor(dir: string) {
  const t0 = performance.now();
  for (const n of readdirSync(dir)) JSON.parse(readFileSync(join(dir, n), "utf8"));
  return performance.now() - t0;
}

try {
  const big = join(work, "10k");
  const small = join(work, "1k");
  fill(big, 10_000);
  fill(small, 1_000);
  const env = (dir: string) => ({ ...scrubbedEnv(), HOME: work, REDUX_CONVERSATIONS_DIR: dir });
  const exp = join(root, "dist", "redux-export");
  const list = time([exp, "list", "--json"], env(big), 5);
  const listFloor = median([floor(big), floor(big), floor(big)]);
  const md = time([exp, "--all", "--format", "md", "-o", join(work, "out")], env(small), 3);
  const mdFloor = median([floor(small), floor(small), floor(small)]);
  const rows = [
    { what: "redux-export list --json, 10,000 conversations", value: `${list.toFixed(0)} ms`, baseline: `${listFloor.toFixed(0)} ms (read + parse only)`, ratio: list / listFloor, goal: "< 1000 ms", ok: list < 1000 },
    { what: "redux-export --all --format md, 1,000 conversations", value: `${md.toFixed(0)} ms`, baseline: `${mdFloor.toFixed(0)} ms (read + parse only)`, ratio: md / mdFloor, goal: "reported", ok: true },
  ];
  console.log(JSON.stringify({ rows }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
