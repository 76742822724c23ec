// Records scripts/bytecode.order, the profile the build lays the executable's bytecode out by (`--bytecode-order`):
// the functions a one-shot chat runs (the start of every command, the SDK's request and its answer stream) are put
// together at the front of the bytecode, so a run maps fewer pages of the executable. Measured on the 20,000-delta
// one-shot: peak RSS 89 -> 86 MiB, a tiny answer 60 -> 57 MiB; --version and list unchanged. A profile recorded from
// an older build still applies (functions it does not know are laid out after it), so refresh it now and then:
//   bun scripts/bytecode-order.ts      builds dist/, runs the one-shot against the loopback fake, writes the file
import { copyFileSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeEnv } from "../tests/e2e/harness.ts";
import { startFakeProcess } from "../tests/fakes/fake-process.ts";
import { BYTECODE_ORDER, ROOT } from "./build.ts";

const build = Bun.spawnSync([process.execPath, join(ROOT, "scripts", "build.ts")], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) process.exit(1);
const home = mkdtempSync(join(tmpdir(), "redux-bytecode-order-"));
const fake = await startFakeProcess(["--chunk-delay-ms", "0"]);
try {
  // credentials from the environment and --no-save, as the bench's one-shot rows run it; the first run fills the
  // lifecycle cache (the LEGACY check), so the recorded one takes the path of every run after it
  const oneShot = (extra: Record<string, string>) => {
    const env = { ...fakeEnv(home, fake.url), ...extra };
    const p = Bun.spawnSync([join(ROOT, "dist", "redux-chat"), "-m", "custom:us-east-1:fake.bench", "--no-save", "hello"], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`the one-shot exited ${p.exitCode}: ${p.stderr}`);
  };
  oneShot({});
  // recorded beside it and renamed into place: a run that fails leaves the previous profile, never half of one
  const recorded = join(home, "bytecode.order");
  oneShot({ BUN_BYTECODE_ORDER_OUT: recorded });
  copyFileSync(recorded, `${BYTECODE_ORDER}.tmp`);
  renameSync(`${BYTECODE_ORDER}.tmp`, BYTECODE_ORDER);
  console.error(`wrote ${BYTECODE_ORDER.slice(ROOT.length + 1)} (${(statSync(BYTECODE_ORDER).size / 1024).toFixed(0)} KiB); build again to use it`);
} finally {
  fake.close();
  rmSync(home, { recursive: true, force: true });
}
