// `npm run bench`: every speed and memory goal, measured against a baseline in the same run, printed as figures and
// ratios (and a Markdown table for the README). Goals are checked here, never in timed unit tests.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeEnv, scrubbedEnv } from "../tests/e2e/harness.ts";
import { buildArgs } from "./build.ts";
import { startFakeProcess } from "../tests/fakes/fake-process.ts";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");
const work = mkdtempSync(join(tmpdir(), "redux-bench-"));
const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

interface Row {
  what: string;
  value: string;
  baseline: string;
  ratio: number;
  goal: string;
  ok: boolean;
}
const rows: Row[] = [];
const extra: Record<string, unknown> = {};

function timeRun(argv: string[], env: Record<string, string>): number {
  const t0 = performance.now();
  const r = Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "ignore", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${r.exitCode}`);
  return ms;
}

/** Reads files whole, so their pages are in the page cache. */
function warm(...files: string[]) {
  for (const f of files) Bun.spawnSync(["cat", f], { stdout: "ignore" });
}

/** Runs a and b alternately `n` times (after warm-up) so both see the same machine state. */
function sideBySide(a: string[], b: string[], env: Record<string, string>, n: number) {
  for (let i = 0; i < 3; i++) timeRun(a, env), timeRun(b, env);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    ta.push(timeRun(a, env));
    tb.push(timeRun(b, env));
  }
  return { a: median(ta), b: median(tb) };
}

try {
  if (!existsSync(join(dist, "redux-chat")) || process.argv.includes("--build")) {
    log("building dist/…");
    if (Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts")], { stdout: "inherit", stderr: "inherit" }).exitCode !== 0) process.exit(1);
  }
  // the empty compiled binary (an empty program), built with the same flags as ours
  const emptySrc = join(work, "empty.ts");
  writeFileSync(emptySrc, "export {};\n");
  const emptyBin = join(work, "empty");
  const b = Bun.spawnSync([process.execPath, ...buildArgs("x", emptyBin).map((a) => (a.endsWith("bin/x.ts") ? emptySrc : a))], { cwd: root, stdout: "ignore", stderr: "inherit" });
  if (b.exitCode !== 0) throw new Error("cannot build the empty baseline binary");

  const env = { ...scrubbedEnv(), HOME: work, NO_COLOR: "1" };
  log("startup: --version and --help of each binary vs an empty compiled binary…");
  // page cache matters (a 110 MB binary whose pages were reclaimed starts ~1.5 ms slower): read both files whole
  // before timing, so neither pays for the other's cache misses
  warm(join(dist, "redux"), emptyBin);
  for (const bin of ["redux-chat", "redux-test-model", "redux-export"]) {
    for (const flag of ["--version", "--help"]) {
      const { a, b: base } = sideBySide([join(dist, bin), flag], [emptyBin], env, 30);
      rows.push({ what: `${bin} ${flag}`, value: `${a.toFixed(1)} ms`, baseline: `${base.toFixed(1)} ms (empty binary)`, ratio: a / base, goal: "≤ 1.15×", ok: a / base <= 1.15 });
    }
  }

  log("one-shot prompt vs a minimal Node script with the same SDK…");
  // the fake runs in its own process: the timing loop below blocks this one
  const fake = await startFakeProcess(["--chunk-delay-ms", "0"]);
  try {
    const fenv = { ...fakeEnv(work, fake.url), NODE_NO_WARNINGS: "1" };
    const model = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    const { a, b: base } = sideBySide(
      [join(dist, "redux-chat"), "-m", `custom:us-east-1:${model}`, "--no-save", "hello"],
      ["node", join(root, "scripts", "bench", "node-baseline.mjs"), model, "hello"],
      fenv,
      20,
    );
    rows.push({ what: "redux-chat one-shot (fake Bedrock, --no-save)", value: `${a.toFixed(1)} ms`, baseline: `${base.toFixed(1)} ms (node + SDK script)`, ratio: a / base, goal: "≤ 0.25×", ok: a / base <= 0.25 });
  } finally {
    fake.close();
  }

  for (const [name, script] of [["export", "export.ts"], ["usage", "usage.ts"], ["stream", "stream.ts"], ["batch", "batch.ts"], ["batch-bedrock", "batch-bedrock.ts"], ["models", "models.ts"]] as const) {
    const path = join(root, "scripts", "bench", script);
    if (!existsSync(path)) continue;
    log(`${name}: scripts/bench/${script}…`);
    const r = Bun.spawnSync([process.execPath, path], { cwd: root, stdout: "pipe", stderr: "inherit", env: { ...scrubbedEnv(), NO_COLOR: "1" } });
    if (r.exitCode !== 0) {
      rows.push({ what: `${name} bench`, value: "failed", baseline: "", ratio: NaN, goal: "", ok: false });
      continue;
    }
    const figures = JSON.parse(r.stdout.toString().trim().split("\n").at(-1)!);
    extra[name] = figures;
    for (const row of (figures.rows ?? []) as Row[]) rows.push(row);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const table = [
  "| measurement | redux | baseline | ratio | goal | |",
  "|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.baseline} | ${Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : "–"} | ${r.goal} | ${r.ok ? "ok" : "MISSED"} |`),
].join("\n");
console.log(table);
console.log(`\n${JSON.stringify({ date: new Date().toISOString(), rows, extra })}`);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
