// Batch figures for `npm run bench`: 1,000 items against a loopback Bedrock that answers after 50 ms, concurrency 16,
// against the ideal (1000 / 16 x 50 ms); peak memory at 1,000 and 10,000 items; and the same with 10% throttled.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeEnv } from "../../tests/e2e/harness.ts";
import { startFakeProcess } from "../../tests/fakes/fake-process.ts";

const root = join(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "redux-bench-batch-"));
const DELAY = 50;
const CONCURRENCY = 16;

function runBatch(n: number, model: string, url: string) {
  const input = join(work, `in-${n}.txt`);
  writeFileSync(input, Array.from({ length: n }, (_, i) => `prompt number ${i}`).join("\n"));
  const out = join(work, `out-${n}-${Math.random()}.jsonl`);
  const env = fakeEnv(work, url);
  const t0 = performance.now();
  const r = Bun.spawnSync(["/usr/bin/time", "-f", "%M", join(root, "dist", "redux-chat"), "batch", input, "-o", out, "-m", model, "--concurrency", String(CONCURRENCY), "-q"], { env, stdout: "ignore", stderr: "pipe" });
  const wall = performance.now() - t0;
  const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const ok = lines.filter((l) => l.status === "ok").length;
  const failures = lines.filter((l) => l.status !== "ok").map((l) => `${l.error?.class}: ${l.error?.message} (attempts ${l.attempts})`);
  if (failures.length) process.stderr.write(`batch bench: ${failures.length} failed with ${model}:\n  ${failures.slice(0, 5).join("\n  ")}\n`);
  const rssKb = Number(r.stderr.toString().trim().split("\n").at(-1));
  return { wall, ok, rssMiB: rssKb / 1024, code: r.exitCode };
}

const fake = await startFakeProcess(["--delay-ms", String(DELAY), "--chunk-delay-ms", "0"]);
try {
  const ideal = (n: number) => (n / CONCURRENCY) * DELAY;
  const a = runBatch(1000, "custom:us-east-1:fake.bench", fake.url);
  const b = runBatch(10_000, "custom:us-east-1:fake.bench", fake.url);
  const t = runBatch(1000, "custom:us-east-1:fake.throttle-10pct", fake.url);
  const rows = [
    { what: "batch 1,000 items, 50 ms answers, concurrency 16", value: `${a.wall.toFixed(0)} ms (${a.ok} ok)`, baseline: `${ideal(1000)} ms ideal`, ratio: a.wall / ideal(1000), goal: "≤ 1.15×", ok: a.wall / ideal(1000) <= 1.15 && a.ok === 1000 },
    { what: "batch peak memory, 1,000 → 10,000 items", value: `${a.rssMiB.toFixed(0)} → ${b.rssMiB.toFixed(0)} MiB`, baseline: "150 MiB", ratio: b.rssMiB / a.rssMiB, goal: "flat, < 150 MiB", ok: b.rssMiB < 150 && b.ok === 10_000 },
    { what: "batch 10,000 items wall time", value: `${b.wall.toFixed(0)} ms`, baseline: `${ideal(10_000)} ms ideal`, ratio: b.wall / ideal(10_000), goal: "reported", ok: true },
    { what: "batch 1,000 items, 10% throttled", value: `${t.wall.toFixed(0)} ms (${t.ok} ok)`, baseline: `${ideal(1000)} ms ideal`, ratio: t.wall / ideal(1000), goal: "every item ok", ok: t.ok === 1000 },
  ];
  console.log(JSON.stringify({ rows }));
} finally {
  fake.close();
  rmSync(work, { recursive: true, force: true });
}
