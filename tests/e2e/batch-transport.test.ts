// batch's transport end to end: with no proxy variable and no CA bundle its pool goes through Bun's fetch, and what a
// person sees (lines, exit codes, the --debug trace, failover) is what it was over node:http, which a proxy variable
// still selects (here a NO_PROXY that exempts a host nobody calls).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import net from "node:net";
import { join } from "node:path";
import { startBrokenHttp, type BrokenHttp } from "../fakes/broken-http.ts";
import { startFakeAws, type FakeAws } from "../fakes/fake-aws.ts";
import { startRegionFleet, type RegionFleet } from "../fakes/region-fleet.ts";
import { readBatchOut, writeIn } from "../helpers/batch-files.ts";
import { bin, fakeEnv, run, tempHome, FAKE_KEY } from "./harness.ts";

const TRANSPORTS = { fetch: {}, node: { no_proxy: "unused.invalid" } } as const;

let broken: BrokenHttp;
let fake: FakeAws;
let home: string;
let cleanup = () => {};
beforeAll(async () => {
  [broken, fake] = await Promise.all([startBrokenHttp(), startFakeAws({ chunkDelayMs: 0 })]);
});
afterAll(async () => {
  broken.close();
  await fake.close();
});
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

const batch = (endpoint: string, args: string[], extra: Record<string, string> = {}) =>
  run(bin("redux-chat"), ["batch", ...args], { env: fakeEnv(home, endpoint, extra), timeoutMs: 60_000 });
const out = (file: string) => readBatchOut(join(home, file)).sort((a, b) => a.id.localeCompare(b.id));
/** A line as a person reads it, without its timing. */
const said = (l: Record<string, unknown>) => ({ id: l.id, status: l.status, text: l.text, attempts: l.attempts, error: l.error, failed_attempts: l.failed_attempts });
const jsonl = (items: object[]) => items.map((i) => JSON.stringify(i)).join("\n") + "\n";

describe("batch over fetch and over node:http", () => {
  test("connections closed before the answer and lost inside it: the same lines, retried alike, exit 7", async () => {
    writeIn(home, "in.jsonl", jsonl([{ id: "hangup", prompt: "a", model: "custom:us-east-1:fake.hangup" }, { id: "cut", prompt: "b", model: "custom:us-east-1:fake.cut" }]));
    const seen: Record<string, unknown> = {};
    for (const [name, extra] of Object.entries(TRANSPORTS)) {
      broken.hits = 0;
      const r = await batch(broken.url, ["in.jsonl", "-o", `out-${name}.jsonl`, "--max-attempts", "2", "-q"], extra);
      expect({ name, code: r.code }).toEqual({ name, code: 7 });
      // two items, two attempts each, every attempt one request
      expect({ name, hits: broken.hits }).toEqual({ name, hits: 4 });
      // which client sent them: Bun's fetch asks for compressed answers (and decodes them itself); node:http does not
      expect({ name, fetch: /^accept-encoding:/im.test(broken.lastHead) }).toEqual({ name, fetch: name === "fetch" });
      seen[name] = out(`out-${name}.jsonl`).map(said);
    }
    expect(seen.fetch).toEqual(seen.node);
    expect(seen.fetch).toMatchObject([
      { id: "cut", status: "error", text: "partial", attempts: 2, error: { class: "unavailable", code: 5, message: "cannot reach Bedrock in us-east-1: aborted" } },
      { id: "hangup", status: "error", attempts: 2, error: { class: "unavailable", code: 5, message: "timed out waiting for Bedrock in us-east-1: socket hang up" } },
    ]);
  });

  test("nothing listening, with --debug: the same line naming the address, the same trace, no secret", async () => {
    const port = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => r(port));
      });
    });
    writeIn(home, "in.txt", "hello\n");
    const traces: Record<string, string[]> = {};
    for (const [name, extra] of Object.entries(TRANSPORTS)) {
      const r = await batch(`http://127.0.0.1:${port}`, ["in.txt", "-o", `out-${name}.jsonl`, "-m", "custom:us-east-1:fake.any", "--max-attempts", "1", "--debug"], extra);
      expect({ name, code: r.code }).toEqual({ name, code: 7 });
      expect(r.stderr).not.toContain(FAKE_KEY.secret);
      expect(out(`out-${name}.jsonl`)[0].error).toEqual({ class: "unavailable", code: 5, message: `cannot reach Bedrock in us-east-1: could not connect to 127.0.0.1:${port}: connection refused` });
      // the request and its failure; the headers (dates, ids) and the time differ from run to run
      traces[name] = r.stderr.split("\n").filter((l) => /[→←]/.test(l)).map((l) => l.replace(/\{.*\}/, "{…}").replace(/\d+ ms/, "N ms"));
    }
    expect(traces.fetch).toEqual(traces.node);
    expect(traces.fetch!.join("\n")).toContain(`← Error: connect ECONNREFUSED 127.0.0.1:${port} after N ms`);
  });

  test("a silent model is bounded by --timeout, before the first event and between events", async () => {
    writeIn(home, "in.jsonl", jsonl([{ id: "first", prompt: "a", model: "custom:us-east-1:fake.stall-first" }, { id: "mid", prompt: "b", model: "custom:us-east-1:fake.stall-mid" }]));
    const r = await batch(fake.url, ["in.jsonl", "-o", "out.jsonl", "--timeout", "1", "--max-attempts", "1", "-q"]);
    expect(r.code).toBe(7);
    expect(r.ms).toBeLessThan(15_000);
    expect(out("out.jsonl").map((l) => [l.id, l.error])).toEqual([
      ["first", { class: "unavailable", code: 5, message: "timed out: no answer from Bedrock for 1 s (us-east-1)" }],
      ["mid", { class: "unavailable", code: 5, message: "timed out: no data from Bedrock for 1 s (us-east-1)" }],
    ]);
  });
});

describe("batch over fetch: one region dead", () => {
  let fleet: RegionFleet;
  beforeAll(async () => {
    fleet = await startRegionFleet({ regions: ["us-east-1", "us-west-2"] });
  });
  afterAll(() => fleet.close());

  test("every item ok from the fallback, the dead region tried about one wave, its failure said as over node:http", async () => {
    const EAST = "custom:us-east-1:fake.fleet";
    const WEST = "custom:us-west-2:fake.fleet";
    const failed: Record<string, unknown> = {};
    for (const [name, extra] of Object.entries(TRANSPORTS)) {
      fleet.reset();
      fleet.setMode("us-east-1", "down");
      writeIn(home, "in.txt", Array.from({ length: 100 }, (_, i) => `prompt ${i}`).join("\n"));
      const r = await batch(fleet.endpointUrl, ["in.txt", "-o", `out-${name}.jsonl`, "-m", EAST, "--fallback", WEST, "--concurrency", "8", "-q"], extra);
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: "" });
      const lines = out(`out-${name}.jsonl`);
      expect(lines.length).toBe(100);
      expect(lines.every((l) => l.status === "ok" && l.model === WEST)).toBe(true);
      // the first wave (the concurrency) finds it dead; two waves at most on a loaded machine
      expect(fleet.regions["us-east-1"]!.hits).toBeGreaterThanOrEqual(1);
      expect(fleet.regions["us-east-1"]!.hits).toBeLessThanOrEqual(2 * 8);
      failed[name] = lines.find((l) => l.failed_attempts.length)?.failed_attempts;
    }
    expect(failed.fetch).toEqual(failed.node);
    expect(failed.fetch).toEqual([{ target: EAST, class: "unavailable", message: "timed out waiting for Bedrock in us-east-1: socket hang up" }]);
  }, 60_000);
});
