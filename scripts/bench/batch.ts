// Batch figures for `npm run bench`: 1,000 items against a loopback Bedrock that answers after 50 ms, concurrency 16,
// against the ideal (1000 / 16 x 50 ms); peak memory at 1,000 and 10,000 items; and the same with 10% throttled.
// Prints one JSON object on stdout: `rows` for the bench table and `figures` with the raw numbers.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildArgs } from "../build.ts";
import { fakeEnv } from "../../tests/e2e/harness.ts";
import { startFakeProcess } from "../../tests/fakes/fake-process.ts";
import { startFleetProcess } from "../../tests/fakes/region-fleet.ts";

const root = join(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "redux-bench-batch-"));
const DELAY = 50;
const CONCURRENCY = 16;
const TIME = "/usr/bin/time";

/** Peak RSS (KiB) of a child: from /usr/bin/time when installed, else the kernel's high-water mark, polled. */
async function spawnMeasured(argv: string[], env: Record<string, string>): Promise<{ code: number; peakKiB: number; cpuMs?: number }> {
  if (existsSync(TIME)) {
    const p = Bun.spawn([TIME, "-f", "%M %U %S", ...argv], { env, stdout: "ignore", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    const [kib, user, sys] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
    return { code, peakKiB: kib!, cpuMs: (user! + sys!) * 1000 };
  }
  const p = Bun.spawn(argv, { env, stdout: "ignore", stderr: "ignore" });
  let peakKiB = 0;
  while (p.exitCode === null) {
    try {
      peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"))?.[1] ?? 0));
    } catch {
      // exited between the check and the read
    }
    await Bun.sleep(20);
  }
  return { code: await p.exited, peakKiB };
}

async function runBatch(n: number, model: string, url: string, o: { args?: string[]; env?: Record<string, string | undefined> } = {}) {
  const input = join(work, `in-${n}.txt`);
  writeFileSync(input, Array.from({ length: n }, (_, i) => `prompt number ${i}`).join("\n"));
  const out = join(work, `out-${n}-${Math.random()}.jsonl`);
  const t0 = performance.now();
  const r = await spawnMeasured([join(root, "dist", "redux-chat"), "batch", input, "-o", out, "-m", model, "--concurrency", String(CONCURRENCY), "-q", ...(o.args ?? [])], fakeEnv(work, url, o.env));
  const wall = performance.now() - t0;
  const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const ok = lines.filter((l) => l.status === "ok").length;
  const failures = lines.filter((l) => l.status !== "ok").map((l) => `${l.error?.class}: ${l.error?.message} (attempts ${l.attempts})`);
  if (failures.length) process.stderr.write(`batch bench: ${failures.length} failed with ${model}:\n  ${failures.slice(0, 5).join("\n  ")}\n`);
  const retries = lines.reduce((a, l) => a + l.attempts - 1, 0);
  return { wall, ok, lines: lines.length, retries, rssMiB: r.peakKiB / 1024, cpuMs: r.cpuMs, code: r.code };
}

/** The bare SDK doing the same batch (sdk-batch-loop.ts, built with redux's flags): what the SDK itself costs per item. */
async function runBareLoop(n: number, url: string) {
  const input = join(work, `in-${n}.txt`);
  const r = await spawnMeasured([bareLoop, input, join(work, `bare-${n}.jsonl`), "fake.bench", String(CONCURRENCY)], fakeEnv(work, url));
  if (r.code !== 0) throw new Error(`the bare SDK batch loop exited ${r.code}`);
  return { cpuMs: r.cpuMs, rssMiB: r.peakKiB / 1024 };
}

const bareLoop = join(work, "sdk-batch-loop");
const built = Bun.spawnSync([process.execPath, ...buildArgs("x", bareLoop).map((a) => (a.endsWith("bin/x.ts") ? join(import.meta.dir, "sdk-batch-loop.ts") : a))], { cwd: root, stdout: "ignore", stderr: "inherit" });
if (built.exitCode !== 0) throw new Error("cannot build the bare SDK batch loop");

const fake = await startFakeProcess(["--delay-ms", String(DELAY), "--chunk-delay-ms", "0"]);
try {
  const ideal = (n: number) => (n / CONCURRENCY) * DELAY;
  const a = await runBatch(1000, "custom:us-east-1:fake.bench", fake.url);
  const b = await runBatch(10_000, "custom:us-east-1:fake.bench", fake.url);
  const bare = await runBareLoop(10_000, fake.url);
  const t = await runBatch(1000, "custom:us-east-1:fake.throttle-10pct", fake.url);
  // failover: two regions (told apart by the SigV4 scope: the fleet's endpoint; under Bun the proxy agent would open a
  // new tunnel per request), the primary resetting every request; and the same path with both regions up
  const fleet = await startFleetProcess(["--regions", "us-east-1,us-west-2", "--delay-ms", String(DELAY), "--chunk-delay-ms", "0"]);
  let f: Awaited<ReturnType<typeof runBatch>>;
  let h: Awaited<ReturnType<typeof runBatch>>;
  let deadHits: number;
  try {
    const failover = { args: ["--fallback", "custom:us-west-2:fake.bench"] };
    h = await runBatch(1000, "custom:us-east-1:fake.bench", fleet.endpointUrl, failover);
    await fetch(`${fleet.proxyUrl}/__fleet?region=us-east-1&mode=down`, { method: "POST" });
    const before = (await fleet.hits())["us-east-1"]!.hits;
    f = await runBatch(1000, "custom:us-east-1:fake.bench", fleet.endpointUrl, failover);
    deadHits = (await fleet.hits())["us-east-1"]!.hits - before;
  } finally {
    fleet.close();
  }
  const figures = {
    failover_primary_down_1000: { wall_ms: Math.round(f.wall), ideal_ms: ideal(1000), ratio: f.wall / ideal(1000), ok: f.ok, requests_to_dead_region: deadHits, vs_healthy_direct_run: f.wall / a.wall, exit: f.code },
    fleet_healthy_1000: { wall_ms: Math.round(h.wall), ideal_ms: ideal(1000), ratio: h.wall / ideal(1000), ok: h.ok, exit: h.code },
    delay_ms: DELAY,
    concurrency: CONCURRENCY,
    run_1000: { wall_ms: Math.round(a.wall), ideal_ms: ideal(1000), ratio: a.wall / ideal(1000), peak_rss_mib: a.rssMiB, ok: a.ok, exit: a.code },
    bare_sdk_loop_10000: { cpu_ms_per_item: bare.cpuMs === undefined ? null : bare.cpuMs / 10_000, peak_rss_mib: bare.rssMiB },
    run_10000: { cpu_ms_per_item: b.cpuMs === undefined ? null : b.cpuMs / 10_000, wall_ms: Math.round(b.wall), ideal_ms: ideal(10_000), ratio: b.wall / ideal(10_000), peak_rss_mib: b.rssMiB, ok: b.ok, exit: b.code },
    throttled_10pct_1000: { wall_ms: Math.round(t.wall), ideal_ms: ideal(1000), ratio: t.wall / ideal(1000), peak_rss_mib: t.rssMiB, ok: t.ok, retries: t.retries, exit: t.code },
  };
  const rows = [
    { what: "batch 1,000 items, 50 ms answers, concurrency 16", value: `${a.wall.toFixed(0)} ms (${a.ok} ok)`, baseline: `${ideal(1000)} ms ideal`, ratio: a.wall / ideal(1000), goal: "≤ 1.15×", ok: a.wall / ideal(1000) <= 1.15 && a.ok === 1000 && a.code === 0 },
    ...(b.cpuMs !== undefined && bare.cpuMs !== undefined
      ? [
          { what: "batch CPU per item, 10,000 items, concurrency 16", value: `${(b.cpuMs / 10_000).toFixed(2)} ms`, baseline: "1.0 ms", ratio: b.cpuMs / 10_000, goal: "≤ 1.0 ms", ok: b.cpuMs / 10_000 <= 1.0 },
          { what: "batch CPU per item vs the bare SDK doing the same batch", value: `${(b.cpuMs / 10_000).toFixed(2)} ms`, baseline: `${(bare.cpuMs / 10_000).toFixed(2)} ms (bare SDK loop)`, ratio: b.cpuMs / bare.cpuMs, goal: "reported", ok: true },
        ]
      : []),
    { what: "batch peak memory, 1,000 → 10,000 items", value: `${a.rssMiB.toFixed(0)} → ${b.rssMiB.toFixed(0)} MiB`, baseline: "150 MiB", ratio: b.rssMiB / a.rssMiB, goal: "flat, < 150 MiB", ok: b.rssMiB < 150 && b.ok === 10_000 && b.code === 0 },
    { what: "batch 10,000 items wall time", value: `${b.wall.toFixed(0)} ms`, baseline: `${ideal(10_000)} ms ideal`, ratio: b.wall / ideal(10_000), goal: "reported", ok: true },
    { what: "batch 1,000 items, 10% throttled", value: `${t.wall.toFixed(0)} ms (${t.ok} ok, ${t.retries} retries)`, baseline: `${ideal(1000)} ms ideal`, ratio: t.wall / ideal(1000), goal: "every item ok", ok: t.ok === 1000 && t.lines === 1000 && t.code === 0 },
    { what: "batch 1,000 items, primary region down, 1 fallback", value: `${f.wall.toFixed(0)} ms (${f.ok} ok, ${deadHits} requests to the dead region; ${(f.wall / a.wall).toFixed(2)}× the healthy run)`, baseline: `${ideal(1000)} ms ideal`, ratio: f.wall / ideal(1000), goal: "≤ 1.3×, < 50 to dead", ok: f.wall / ideal(1000) <= 1.3 && deadHits < 50 && f.ok === 1000 && f.code === 0 },
    { what: "batch 1,000 items, both regions up (same path)", value: `${h.wall.toFixed(0)} ms (${h.ok} ok)`, baseline: `${ideal(1000)} ms ideal`, ratio: h.wall / ideal(1000), goal: "reported", ok: h.ok === 1000 && h.code === 0 },
  ];
  console.log(JSON.stringify({ rows, figures }));
} finally {
  fake.close();
  rmSync(work, { recursive: true, force: true });
}
