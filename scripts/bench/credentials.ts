// Bench figures for the credential chain, from the compiled binary: how long redux-test-model takes to say "no
// credentials" (exit 3) with instance metadata disabled, pointed at a closed loopback port, and left at its default
// address (169.254.169.254, bounded to 1 s), and how long a working env-key run takes against the loopback fake.
// Usage: bun scripts/bench/credentials.ts [runs]   (build first: bun scripts/build.ts)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeAws } from "../../tests/fakes/fake-aws.ts";
import { scrubbedEnv } from "../../tests/e2e/harness.ts";

const runs = Number(process.argv[2] ?? 5);
const bin = join(import.meta.dir, "..", "..", "dist", "redux-test-model");
const home = mkdtempSync(join(tmpdir(), "redux-bench-creds-"));
const fake = await startFakeAws();
const base = { ...scrubbedEnv(), HOME: home, NO_COLOR: "1", AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url, AWS_ENDPOINT_URL_STS: fake.url };
const scenarios: [string, Record<string, string>, number][] = [
  ["no credentials, IMDS disabled", { ...base, AWS_EC2_METADATA_DISABLED: "true" }, 3],
  ["no credentials, IMDS at a closed loopback port", { ...base, AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" }, 3],
  ["no credentials, IMDS at its default address", base, 3],
  ["env keys, all four checks", { ...base, AWS_EC2_METADATA_DISABLED: "true", AWS_ACCESS_KEY_ID: "AKIDFAKEEXAMPLE0001", AWS_SECRET_ACCESS_KEY: "fake-secret-0001" }, 0],
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, env, want] of scenarios) {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const p = Bun.spawn([bin, "-m", "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0"], { env, stdout: "ignore", stderr: "ignore" });
    const code = await p.exited;
    ms.push(performance.now() - t0);
    if (code !== want) throw new Error(`${name}: exit ${code}, expected ${want}`);
  }
  console.log(`${name.padEnd(48)} median ${median(ms).toFixed(0).padStart(5)} ms   max ${Math.max(...ms).toFixed(0).padStart(5)} ms   (${runs} runs)`);
}
await fake.close();
rmSync(home, { recursive: true, force: true });
