// The newcomer's demo: build, start the loopback Bedrock, run a real `redux-chat` prompt against it with throwaway
// credentials in a throwaway HOME, and show the conversation it saved. Nothing here talks to AWS.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeAws } from "../tests/fakes/fake-aws.ts";
import { fakeEnv } from "../tests/e2e/harness.ts";
import { color } from "../bin/shared/ui.ts";

const root = join(import.meta.dir, "..");
// colours as the binaries decide them (bin/shared/ui.ts): none under NO_COLOR or when stderr is not a terminal
const say = (s: string) => process.stderr.write(`${color.cyan("▸")} ${s}\n`);

// --no-build: use the dist/ already built (the tests run the demo this way)
if (!process.argv.includes("--no-build")) {
  say("building dist/ (bun build --compile)…");
  const build = Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts")], { stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
}

const fake = await startFakeAws({ chunkDelayMs: 60 });
const home = mkdtempSync(join(tmpdir(), "redux-demo-"));
try {
  say(`loopback Bedrock listening on ${fake.url} (SigV4 verified, HTTP/2 cleartext)`);
  const env = fakeEnv(home, fake.url);
  const model = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
  const args = ["-m", model, "--system", "be brief", "Say hello to the new redux user"];
  say(`HOME=${home} AWS_ACCESS_KEY_ID=${env.AWS_ACCESS_KEY_ID} dist/redux-chat ${args.map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}`);
  const p = Bun.spawn([join(root, "dist", "redux-chat"), ...args], { env, stdout: "inherit", stderr: "inherit", stdin: "ignore" });
  const code = await p.exited;
  say(`exit code ${code}`);
  const seen = fake.requests.at(-1);
  if (seen) say(`the fake saw ${seen.operation} for ${seen.modelId}, signed by ${seen.accessKeyId} (${seen.verified ? "signature verified" : "NOT verified"}, HTTP/${seen.httpVersion})`);
  const dir = join(home, ".amazon-q", "conversations");
  for (const name of readdirSync(dir)) {
    say(`saved conversation ${join(dir, name)}:`);
    process.stdout.write(readFileSync(join(dir, name), "utf8"));
  }
  process.exitCode = code;
} finally {
  await fake.close();
  rmSync(home, { recursive: true, force: true });
}
