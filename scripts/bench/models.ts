// Discovery figures for `npm run bench`: `redux-chat models` from a warm cache against `redux-chat --version` (run
// alternately), a cold `redux-chat models --refresh` against the fake control plane, and `redux-test-model --all` over
// 40 models answering after 200 ms at concurrency 8 against the ideal (40 / 8 × 200 ms). One JSON line of rows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeEnv } from "../../tests/e2e/harness.ts";
import { startFakeProcess } from "../../tests/fakes/fake-process.ts";

const dist = join(import.meta.dir, "..", "..", "dist");
const work = mkdtempSync(join(tmpdir(), "redux-bench-models-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: { what: string; value: string; baseline: string; ratio: number; goal: string; ok: boolean }[] = [];

function time(argv: string[], env: Record<string, string>) {
  const t0 = performance.now();
  const r = Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
  return ms;
}

try {
  const fake = await startFakeProcess([]);
  try {
    const env = { ...fakeEnv(join(work, "a"), fake.url) };
    const models = [join(dist, "redux-chat"), "models"];
    const cold: number[] = [];
    for (let i = 0; i < 10; i++) cold.push(time([...models, "--refresh"], env));
    const c = median(cold);
    rows.push({ what: "redux-chat models, cold (fake control plane: 16 rows, 8 availabilities)", value: `${c.toFixed(1)} ms`, baseline: "", ratio: NaN, goal: "reported", ok: true });
    const version = [join(dist, "redux-chat"), "--version"];
    for (let i = 0; i < 3; i++) time(models, env), time(version, env);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 30; i++) {
      a.push(time(models, env));
      b.push(time(version, env));
    }
    const warm = median(a);
    const base = median(b);
    rows.push({ what: "redux-chat models, warm cache", value: `${warm.toFixed(1)} ms`, baseline: `${base.toFixed(1)} ms (redux-chat --version)`, ratio: warm / base, goal: "≤ 1.5×", ok: warm / base <= 1.5 });
  } finally {
    fake.close();
  }

  const slow = await startFakeProcess(["--text-models", "40", "--delay-ms", "200"]);
  try {
    const env = { ...fakeEnv(join(work, "b"), slow.url) };
    const all = [join(dist, "redux-test-model"), "--all", "--concurrency", "8"];
    time(all, env); // fills the discovery cache: what is timed below is the credentials check and the 40 probes
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push(time(all, env));
    const ms = median(runs);
    const ideal = (40 / 8) * 200;
    rows.push({ what: "redux-test-model --all, 40 models, 200 ms answers, concurrency 8", value: `${ms.toFixed(0)} ms`, baseline: `${ideal} ms ideal`, ratio: ms / ideal, goal: "≤ 1.3×", ok: ms / ideal <= 1.3 });
  } finally {
    slow.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify({ rows }));
