// Cost and usage figures for `npm run bench`: what pricing adds to a one-shot prompt as it runs by default (the pricing section of a turn,
// timed inside the compiled binary, with the built-in table and with a 600-entry prices.json, from its model's slice and read whole) against the one-shot
// `--json`, and `redux-export usage` over 10,000 conversations against merely reading them. One JSON line of rows.
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

  // --- pricing in a one-shot, timed inside the compiled binary: the turn prices its answer once it is complete (a
  // dynamic import of the price module, ~/.amazon-q/prices.json when there is one, the lookup and the cost), and
  // --debug reports that section's wall and CPU time. CPU time, against the whole one-shot's CPU time (user + system,
  // from the same runs), is what stays put on a loaded machine; a whole-process measurement cannot resolve a figure this
  // small: wall time varies by more than that from run to run, and so do callgrind's instruction counts of the whole
  // one-shot (142M with pricing, 162M for a build without it: JIT and GC threads make more noise than pricing costs).
  const home = join(work, "home");
  mkdirSync(join(home, ".amazon-q"), { recursive: true, mode: 0o700 });
  const chatBin = join(root, "dist", "redux-chat");
  const fake = await startFakeProcess(["--chunk-delay-ms", "0"]);
  try {
    // a fixed environment, not the caller's: under npm (32 more variables) the section measured 0.8 ms more while the
    // whole one-shot's CPU stayed the same, i.e. work the process does anyway landed inside it (12 extra short
    // variables were enough; three long ones were not)
    const env = Object.fromEntries(Object.entries(fakeEnv(home, fake.url)).filter(([k]) => k === "PATH" || k === "HOME" || k === "NO_COLOR" || k.startsWith("AWS_")));
    // the one-shot as it runs by default: it saves the conversation, so node:fs is loaded by the time the answer is
    // priced. With --no-save nothing else loads node:fs, and pricing with a prices.json does (its slice's identity is
    // node:fs's stat): that case has a row of its own
    const oneShot = [chatBin, "-m", `custom:us-east-1:${MODEL}`, "--json", "--debug", "hello"];
    /** Medians over 18 one-shots (after 3 warm-ups): pricing wall and CPU ms, and the whole process's CPU ms. */
    const measure = (before?: () => void, extra: string[] = []) => {
      const wall: number[] = [];
      const cpu: number[] = [];
      const total: number[] = [];
      for (let i = 0; i < 21; i++) {
        before?.();
        const r = Bun.spawnSync([...oneShot, ...extra], { env, stdout: "ignore", stderr: "pipe" });
        const m = /priced in ([\d.]+) ms \(([\d.]+) ms CPU\)/.exec(r.stderr.toString());
        if (r.exitCode !== 0 || !m) throw new Error(`one-shot --debug: no pricing time (${r.stderr})`);
        if (i < 3) continue;
        wall.push(Number(m[1]));
        cpu.push(Number(m[2]));
        total.push(Number(r.resourceUsage.cpuTime.total) / 1000);
      }
      return { wall: median(wall), cpu: median(cpu), total: median(total) };
    };
    /** A row with the goal, or one that has none (`goal` says why). */
    const row = (what: string, f: ReturnType<typeof measure>, goal: true | string = true) => ({
      what: `pricing inside a one-shot, CPU timed in the binary (after the answer): ${what}`,
      value: `${f.cpu.toFixed(2)} ms CPU (${f.wall.toFixed(2)} ms wall)`,
      baseline: `${f.total.toFixed(0)} ms CPU (the whole one-shot --json)`,
      ratio: f.cpu / f.total,
      goal: goal === true ? "< 1% of the one-shot" : goal,
      ok: goal !== true || f.cpu / f.total < 0.01,
    });
    rows.push(row("built-in table", measure()));
    // a refreshed file: 600 entries (every built-in row's rates under other ids), the model's own price among them
    const entries = builtinPrices();
    const source = "AWS Price List AmazonBedrockFoundationModels 20261101000000 us-east-1";
    const many = Array.from({ length: 599 }, (_, i) => ({ ...entries[i % entries.length]!, model_id: `bench.model-${i}`, source }));
    many.splice(300, 0, { ...entries.find((e) => e.model_id === MODEL && e.tier === "standard" && e.region === "us-east-1")!, source });
    writeFileSync(join(home, ".amazon-q", "prices.json"), JSON.stringify({ version: 1, updated_at: new Date().toISOString(), source_url: "bench", entries: many }), { mode: 0o600 });
    // a file changed in the last 2.5 s is always read whole (lib/bedrock/price-slices.ts): wait, as any real file has
    await Bun.sleep(2_600);
    const cache = join(home, ".amazon-q", "cache");
    const noSlices = () => {
      for (const n of readdirSync(cache)) if (n.startsWith("prices-")) rmSync(join(cache, n), { recursive: true });
    };
    // every turn after the first reads the model's slice of the file, cut by the first (the warm-ups)
    rows.push(row("600-entry prices.json (the model's slice)", measure()));
    rows.push(row("600-entry prices.json, the first turn after it changed (read whole, slice cut)", measure(noSlices), "none: once per change of the file"));
    rows.push(row("600-entry prices.json's slice, one-shot with --no-save (pricing loads node:fs)", measure(undefined, ["--no-save"]), "none: node:fs's load, which a saving run pays anyway"));
  } finally {
    fake.close();
  }

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
