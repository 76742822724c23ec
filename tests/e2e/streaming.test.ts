// Streamed answers end to end: deltas reach stdout while the stream is still coming (writes are coalesced per
// event-loop turn, never held to the end), and a long answer is saved whole.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, withFakeAws } from "./harness.ts";

let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ home, env } = ctx), { chunkDelayMs: 0 });

describe("streaming", () => {
  test("the first delta is on stdout before the last one is sent", async () => {
    // four deltas, 400 ms apart: the whole answer takes 1.6 s to arrive
    const p = Bun.spawn([bin("redux-chat"), "-m", "custom:us-east-1:fake.deltas-4.pace-400ms", "--no-save", "hi"], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    const reader = p.stdout.getReader();
    const first = await reader.read();
    const firstText = new TextDecoder().decode(first.value);
    // what had arrived when the first write came, and that the stream was still going
    expect(firstText).toBe("w1 ");
    expect(p.exitCode).toBeNull();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(await p.exited).toBe(0);
    expect(firstText + rest).toBe("w1 w2 w3 w4 \n");
  });

  test("20,000 small deltas arrive whole and in order", async () => {
    const p = Bun.spawn([bin("redux-chat"), "-m", "custom:us-east-1:fake.deltas-20000", "--no-save", "hi"], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    expect(out).toBe(`${Array.from({ length: 20_000 }, (_, i) => `w${i + 1} `).join("")}\n`);
  });

  test("a 3 MiB answer is saved whole (the file written in pieces is the same JSON)", async () => {
    const p = Bun.spawn([bin("redux-chat"), "-m", "custom:us-east-1:fake.answer-3mb", "hi"], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    const dir = join(home, ".amazon-q", "conversations");
    const [file] = readdirSync(dir).filter((n) => n.endsWith(".json"));
    const text = readFileSync(join(dir, file!), "utf8");
    const c = JSON.parse(text);
    expect(c.messages[1].content[0].text).toBe(out.slice(0, -1));
    expect(c.messages[1].content[0].text.length).toBe(3 << 20);
    expect(text).toBe(`${JSON.stringify(c, null, 2)}\n`);
  });
});
