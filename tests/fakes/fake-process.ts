// The fake AWS in a process of its own (for benches and the demo's callers that block their own event loop):
// resolves once it has printed its URL.
import { join } from "node:path";

export async function startFakeProcess(args: string[] = []) {
  const p = Bun.spawn([process.execPath, join(import.meta.dir, "fake-aws.ts"), ...args], { stdout: "pipe", stderr: "inherit" });
  const reader = p.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the fake exited before it printed its URL");
    buf += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const { url } = JSON.parse(buf.split("\n")[0]!) as { url: string };
  return { url, close: () => p.kill() };
}
