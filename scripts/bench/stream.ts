// Streaming figures for `npm run bench`: a one-shot answer of 20,000 small deltas (peak memory, CPU against the bare
// SDK loop compiled the same way, and how many write() calls reached stdout), and saving a 10 MiB answer against the
// same answer unsaved. Prints one JSON line of rows.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeEnv } from "../../tests/e2e/harness.ts";
import { startFakeProcess } from "../../tests/fakes/fake-process.ts";
import { buildArgs } from "../build.ts";

const root = join(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "redux-bench-stream-"));
const chat = join(root, "dist", "redux-chat");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Peak RSS (MiB) and CPU (user + system, ms) of one run, from /usr/bin/time. */
function measure(argv: string[], env: Record<string, string>) {
  const r = Bun.spawnSync(["/usr/bin/time", "-f", "%M %U %S", ...argv], { env, stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  const [kib, user, sys] = r.stderr.toString().trim().split("\n").at(-1)!.split(" ").map(Number);
  return { mib: kib! / 1024, cpuMs: (user! + sys!) * 1000 };
}

/** Medians of `n` alternating runs of each command. */
function medians(cmds: string[][], env: Record<string, string>, n: number) {
  const runs = cmds.map(() => [] as { mib: number; cpuMs: number }[]);
  for (let i = 0; i < n; i++) cmds.forEach((c, j) => runs[j]!.push(measure(c, env)));
  return runs.map((rs) => ({ mib: median(rs.map((r) => r.mib)), cpuMs: median(rs.map((r) => r.cpuMs)) }));
}

/** write() calls to stdout (fd 1) in one run, counted by strace when it is installed. */
function stdoutWrites(argv: string[], env: Record<string, string>): number | undefined {
  if (!existsSync("/usr/bin/strace")) return undefined;
  const log = join(work, "strace.log");
  const r = Bun.spawnSync(["/usr/bin/strace", "-f", "-e", "trace=write,writev", "-o", log, ...argv], { env, stdout: "ignore", stderr: "ignore" });
  if (r.exitCode !== 0) return undefined;
  return (Bun.spawnSync(["grep", "-cE", "(write|writev)\\(1,", log]).stdout.toString().trim() as unknown as number) * 1;
}

const fake = await startFakeProcess(["--chunk-delay-ms", "0"]);
try {
  const loop = join(work, "sdk-loop");
  const b = Bun.spawnSync([process.execPath, ...buildArgs("x", loop).map((a) => (a.endsWith("bin/x.ts") ? join(import.meta.dir, "sdk-loop.ts") : a))], { cwd: root, stdout: "ignore", stderr: "inherit" });
  if (b.exitCode !== 0) throw new Error("cannot build the SDK loop baseline");
  const env = { ...fakeEnv(work, fake.url), REDUX_CONVERSATIONS_DIR: join(work, "conversations") };
  const deltas = "fake.deltas-20000";
  const [ours, bare] = medians([[chat, "-m", `custom:us-east-1:${deltas}`, "--no-save", "hello"], [loop, deltas]], env, 5);
  const writes = stdoutWrites([chat, "-m", `custom:us-east-1:${deltas}`, "--no-save", "hello"], env);
  const big = "custom:us-east-1:fake.answer-10mb";
  const [saved, unsaved] = medians([[chat, "-m", big, "hello"], [chat, "-m", big, "--no-save", "hello"]], env, 3);
  const rows = [
    { what: "one-shot, 20,000 deltas: peak memory", value: `${ours!.mib.toFixed(0)} MiB`, baseline: `${bare!.mib.toFixed(0)} MiB (bare SDK loop)`, ratio: ours!.mib / bare!.mib, goal: "≤ 80 MiB", ok: ours!.mib <= 80 },
    { what: "one-shot, 20,000 deltas: CPU", value: `${ours!.cpuMs.toFixed(0)} ms${writes === undefined ? "" : ` (${writes} writes to stdout)`}`, baseline: `${bare!.cpuMs.toFixed(0)} ms (bare SDK loop)`, ratio: ours!.cpuMs / bare!.cpuMs, goal: "≤ 1.0×", ok: ours!.cpuMs / bare!.cpuMs <= 1.0 },
    { what: "one-shot, 10 MiB answer saved: peak memory", value: `${saved!.mib.toFixed(0)} MiB`, baseline: `${unsaved!.mib.toFixed(0)} MiB (--no-save)`, ratio: (saved!.mib - unsaved!.mib) / 10, goal: "≤ +1.5 × 10 MiB", ok: saved!.mib - unsaved!.mib <= 15 },
  ];
  console.log(JSON.stringify({ rows }));
} finally {
  fake.close();
  rmSync(work, { recursive: true, force: true });
}
