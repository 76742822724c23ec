// The newcomer's first command (`npm run demo`, here without its build step): it works, and its output carries no
// colour codes when stderr is not a terminal (or NO_COLOR is set).
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT, scrubbedEnv } from "./harness.ts";

test("the demo runs a prompt against the loopback Bedrock, shows the saved file, and writes no colour codes into a pipe", async () => {
  for (const noColor of [undefined, "1"]) {
    const env = scrubbedEnv();
    delete env.NO_COLOR;
    if (noColor) env.NO_COLOR = noColor;
    const p = Bun.spawn([process.execPath, join(ROOT, "scripts", "demo.ts"), "--no-build"], { cwd: ROOT, env, stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    expect(code).toBe(0);
    expect(stderr).toContain("▸ saved conversation");
    expect(stdout).toContain('"conversation_id"');
    expect(stdout + stderr).not.toContain("\u001B[");
  }
});
