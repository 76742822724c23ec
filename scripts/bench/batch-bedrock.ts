// Bedrock batch figures for `npm run bench`: 10,000 items through `redux-chat batch --engine bedrock` against the
// loopback control plane (tests/fakes/batch-jobs.ts) and s3rver: upload, one job, wait, download into OUT. What is
// measured is the client: its CPU time (user + system) and peak memory, which must stay under 200 MiB (the records are
// streamed up and the results streamed down, never held whole). Prints one JSON object like scripts/bench/batch.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeEnv } from "../../tests/e2e/harness.ts";
import { startFakeAws } from "../../tests/fakes/fake-aws.ts";
import { startS3 } from "../../tests/fakes/s3.ts";

const root = join(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "redux-bench-bedrock-"));
const TIME = "/usr/bin/time";
const N = 10_000;

/** Peak RSS (KiB) and CPU seconds of a child, from /usr/bin/time when installed, else from /proc while it runs. */
async function spawnMeasured(argv: string[], env: Record<string, string>): Promise<{ code: number; peakKiB: number; cpuS: number }> {
  if (existsSync(TIME)) {
    const p = Bun.spawn([TIME, "-f", "%M %U %S", ...argv], { env, stdout: "ignore", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    const [m, u, s] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
    return { code, peakKiB: m!, cpuS: u! + s! };
  }
  const p = Bun.spawn(argv, { env, stdout: "ignore", stderr: "ignore" });
  let peakKiB = 0;
  let cpuS = 0;
  const tick = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;
  while (p.exitCode === null) {
    try {
      peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"))?.[1] ?? 0));
      const f = readFileSync(`/proc/${p.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      cpuS = (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // exited between the check and the read
    }
    await Bun.sleep(20);
  }
  return { code: await p.exited, peakKiB, cpuS };
}

const s3 = await startS3({ buckets: ["redux-bench"] });
const fake = await startFakeAws({});
fake.batchJobs.s3Endpoint = s3.url;
fake.batchJobs.stepMs = 50;
try {
  const input = join(work, "in.jsonl");
  writeFileSync(input, Array.from({ length: N }, (_, i) => JSON.stringify({ id: `item-${i}`, prompt: `prompt number ${i}: say something about the number ${i}` })).join("\n"));
  const out = join(work, "out.jsonl");
  const env = { ...fakeEnv(work, fake.url), AWS_ENDPOINT_URL_BEDROCK: fake.url, AWS_ENDPOINT_URL_S3: s3.url };
  const t0 = performance.now();
  const r = await spawnMeasured(
    [join(root, "dist", "redux-chat"), "batch", input, "-o", out, "-m", "custom:us-east-1:fake.bench", "--engine", "bedrock", "--s3", "s3://redux-bench/run", "--role-arn", "arn:aws:iam::123456789012:role/Bench", "--poll-interval", "0.2", "-q"],
    env,
  );
  const wall = performance.now() - t0;
  const lines = readFileSync(out, "utf8").trim().split("\n");
  const ok = lines.filter((l) => JSON.parse(l).status === "ok").length;
  const rssMiB = r.peakKiB / 1024;
  const figures = { items: N, wall_ms: Math.round(wall), cpu_ms: Math.round(r.cpuS * 1000), cpu_us_per_item: Math.round((r.cpuS * 1e6) / N), peak_rss_mib: rssMiB, ok, exit: r.code };
  const rows = [
    { what: "batch --engine bedrock, 10,000 items: client CPU", value: `${figures.cpu_ms} ms (${figures.cpu_us_per_item} µs/item, ${ok} ok)`, baseline: `${figures.wall_ms} ms wall (fake job)`, ratio: r.cpuS * 1000 / wall, goal: "reported", ok: ok === N && r.code === 0 },
    { what: "batch --engine bedrock, 10,000 items: peak memory", value: `${rssMiB.toFixed(0)} MiB`, baseline: "200 MiB", ratio: rssMiB / 200, goal: "< 200 MiB", ok: rssMiB < 200 && ok === N && r.code === 0 },
  ];
  console.log(JSON.stringify({ rows, figures }));
} finally {
  await fake.close();
  await s3.close();
  rmSync(work, { recursive: true, force: true });
}
