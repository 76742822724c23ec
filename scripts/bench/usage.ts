// Cost and usage figures for `npm run bench`: what pricing adds to a one-shot prompt (measured in the compiled binary:
// a price looked up with a 600-entry prices.json, minus the same CLI path without prices) against the one-shot `--json`,
// and `redux-export usage` over 10,000 conversations against merely reading them. One JSON line of rows.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { builtinPrices } from "../../lib/bedrock/builtin-prices.ts";
import { fakeEnv, scrubbedEnv } from "../../tests/e2e/harness.ts";
import { startFakeProcess } from "../../tests/fakes/fake-process.ts";

const root = join(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "redux-bench-usage-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MODEL = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";

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

function fill(dir: string, n: number) {
  const t0 = Date.now() - n * 60_000;
  const models = [`custom:us-east-1:${MODEL}`, "custom:us-west-2:amazon.nova-pro-v1:0", "custom:us-east-1:fake.unpriced"];
  for (let i = 0; i < n; i++) {
    const model = models[i % models.length]!;
    const c = newConversation({ model, region: model.split(":")[1]!, model_id: model.split(":").slice(2).join(":"), now: new Date(t0 + i * 60_000) });
    for (let t = 0; t < 3; t++) {
      const ts = new Date(t0 + i * 60_000 + t * 1000).toISOString();
      c.messages.push({ role: "user", content: [{ text: `question ${i}.${t}` }], timestamp: ts });
      // no saved cost: every turn is priced when read, the slow path
      c.messages.push({ role: "assistant", content: [{ text: `Answer ${i}.${t}. `.repeat(20) }], timestamp: ts, model, usage: { input_tokens: 20, output_tokens: 60, total_tokens: 80 }, status: "complete" });
    }
    c.usage = { input_tokens: 60, output_tokens: 180, total_tokens: 240 };
    saveConversation(c, { dir });
  }
}

try {
  const rows = [];

  // --- pricing in a one-shot: cold cost of the table, a lookup and costOf, in a fresh process each run
  const home = join(work, "home");
  mkdirSync(join(home, ".amazon-q"), { recursive: true, mode: 0o700 });
  const entries = builtinPrices();
  const many = Array.from({ length: 600 }, (_, i) => ({ ...entries[i % entries.length]!, model_id: `bench.model-${i}` }));
  writeFileSync(join(home, ".amazon-q", "prices.json"), JSON.stringify({ version: 1, updated_at: new Date().toISOString(), source_url: "bench", entries: many }), { mode: 0o600 });
  const chatBin = join(root, "dist", "redux-chat");
  const henv = { ...scrubbedEnv(), HOME: home, NO_COLOR: "1" };
  // in the compiled binary: `prices -m M --json` does nothing but load the table (the 600-entry prices.json over the
  // built-in one), look one price up and print it; `settings KEY` goes through the same CLI machinery without prices.
  // Their difference bounds what pricing adds to a turn.
  const pricesCmd = [chatBin, "prices", "-m", `custom:us-east-1:${MODEL}`, "--json"];
  const settingsCmd = [chatBin, "settings", "chat.maxTokens"];
  for (let i = 0; i < 3; i++) time(pricesCmd, henv, 1), time(settingsCmd, henv, 1);
  const pm: number[] = [];
  const sm: number[] = [];
  for (let i = 0; i < 20; i++) {
    pm.push(time(pricesCmd, henv, 1));
    sm.push(time(settingsCmd, henv, 1));
  }
  const cost = Math.max(0, median(pm) - median(sm));
  const fake = await startFakeProcess(["--chunk-delay-ms", "0"]);
  let oneShot: number;
  try {
    const env = fakeEnv(home, fake.url);
    oneShot = time([chatBin, "-m", `custom:us-east-1:${MODEL}`, "--no-save", "--json", "hello"], env, 15);
  } finally {
    fake.close();
  }
  rows.push({ what: "pricing in the binary: `prices -m M` minus `settings KEY` (600-entry prices.json)", value: `${cost.toFixed(2)} ms`, baseline: `${oneShot.toFixed(1)} ms (one-shot --json)`, ratio: cost / oneShot, goal: "< 5% of the one-shot", ok: cost / oneShot < 0.05 });

  // --- the usage report over 10,000 conversations
  const dir = join(work, "10k");
  fill(dir, 10_000);
  const exp = join(root, "dist", "redux-export");
  const env = { ...scrubbedEnv(), HOME: work, REDUX_CONVERSATIONS_DIR: dir };
  const report = time([exp, "usage", "--json"], env, 5);
  const byDay = time([exp, "usage", "--by", "day", "--format", "csv"], env, 3);
  const floors: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    for (const n of readdirSync(dir)) JSON.parse(readFileSync(join(dir, n), "utf8"));
    floors.push(performance.now() - t0);
  }
  const floor = median(floors);
  rows.push({ what: "redux-export usage --json, 10,000 conversations", value: `${report.toFixed(0)} ms`, baseline: `${floor.toFixed(0)} ms (read + parse only)`, ratio: report / floor, goal: "< 1000 ms", ok: report < 1000 });
  rows.push({ what: "redux-export usage --by day --format csv, 10,000 conversations", value: `${byDay.toFixed(0)} ms`, baseline: `${floor.toFixed(0)} ms (read + parse only)`, ratio: byDay / floor, goal: "< 1000 ms", ok: byDay < 1000 });
  console.log(JSON.stringify({ rows }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
