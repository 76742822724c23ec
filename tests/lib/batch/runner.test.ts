// runBatch with the real SDK against the loopback fake: retries, adaptive concurrency, budgets, stops.
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { startFakeAws, type FakeAws } from "../../fakes/fake-aws.ts";
import { FAKE_KEY } from "../../e2e/harness.ts";
import { createBedrockClient } from "../../../lib/bedrock/runtime.ts";
import { itemError, runBatch, type BatchOptions } from "../../../lib/batch/runner.ts";
import type { BatchOutput, BatchOutputLine } from "../../../lib/batch/output.ts";
import { parseBatchInput } from "../../../lib/batch/input.ts";
import { parseModelString } from "../../../lib/bedrock/model-string.ts";
import { ExitCode, ReduxError } from "../../../lib/errors.ts";

let fake: FakeAws;
let client: BedrockRuntimeClient;
beforeAll(async () => {
  fake = await startFakeAws({});
  process.env.AWS_ACCESS_KEY_ID = FAKE_KEY.id;
  process.env.AWS_SECRET_ACCESS_KEY = FAKE_KEY.secret;
  client = await createBedrockClient({ region: "us-east-1", endpoint: fake.url, timeoutMs: 5000, maxAttempts: 1, pool: 8 });
});
afterAll(() => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  fake.close();
});
beforeEach(() => fake.reset());

const memoryOut = (done: string[] = []) => {
  const lines: BatchOutputLine[] = [];
  const out: BatchOutput = { done: new Set(done), write: (l) => void lines.push(l), close: async () => {} };
  return { out, lines };
};
const prompts = (n: number) => parseBatchInput(Array.from({ length: n }, (_, i) => `prompt ${i + 1}`).join("\n"), { source: "test" });
const options = (model: string, n: number, o: Partial<BatchOptions> = {}): BatchOptions => ({
  items: prompts(n),
  out: memoryOut().out,
  defaults: { model: parseModelString(`custom:us-east-1:${model}`), inference: {} },
  concurrency: 4,
  maxAttempts: 3,
  timeoutMs: 5000,
  clientFor: async () => client,
  stop: new AbortController().signal,
  graceMs: 1000,
  throttleBaseMs: 1,
  transientBaseMs: 1,
  ...o,
});

test("every item once; ids already ok are skipped and never sent", async () => {
  const { out, lines } = memoryOut(["2", "4"]);
  const s = await runBatch(options("fake.plain", 5, { out }));
  expect(lines.map((l) => l.id).sort()).toEqual(["1", "3", "5"]);
  expect(lines.every((l) => l.status === "ok" && l.attempts === 1 && l.text.startsWith("Echo: prompt"))).toBe(true);
  expect(s).toMatchObject({ ok: 3, failed: 0, skipped: 2, notRun: 0 });
  expect(fake.requests.length).toBe(3);
});

test("throttled for good: each item tries --max-attempts times, ends `unavailable`, and concurrency was cut", async () => {
  const { out, lines } = memoryOut();
  const s = await runBatch(options("fake.throttle-always", 6, { out, concurrency: 8 }));
  expect(lines.length).toBe(6);
  expect(lines.every((l) => l.status === "error" && l.attempts === 3 && l.error?.class === "unavailable")).toBe(true);
  expect(fake.requests.length).toBe(18);
  expect(s.throttles).toBe(18);
  expect(s.concurrency).toBeLessThan(8);
});

test("a stream cut mid-frame is retried as transient, not reported as an internal error", async () => {
  const { out, lines } = memoryOut();
  await runBatch(options("fake.torn", 1, { out, maxAttempts: 2 }));
  expect(lines[0]).toMatchObject({ status: "error", attempts: 2, error: { class: "unavailable", code: 5 } });
  expect(lines[0]!.error!.message).toContain("cut off");
});

test("access denied is not retried", async () => {
  const { out, lines } = memoryOut();
  await runBatch(options("fake.access-denied", 2, { out }));
  expect(lines.map((l) => [l.attempts, l.error?.class])).toEqual([[1, "access"], [1, "access"]]);
});

test("budgets: --max-items launches that many; --max-total-tokens stops launching once spent", async () => {
  let r = memoryOut();
  let s = await runBatch(options("fake.plain", 10, { out: r.out, maxItems: 4 }));
  expect(r.lines.length).toBe(4);
  expect(s).toMatchObject({ stoppedBy: "max-items", notRun: 6 });
  r = memoryOut();
  s = await runBatch(options("fake.plain", 10, { out: r.out, concurrency: 1, maxTotalTokens: 10 }));
  expect(s.stoppedBy).toBe("max-total-tokens");
  expect(r.lines.length).toBeGreaterThan(0);
  expect(r.lines.length).toBeLessThan(10);
  expect(s.usage.total_tokens).toBeGreaterThanOrEqual(10);
});

test("a stop signal: nothing new is launched, in-flight items finish and are recorded", async () => {
  const stop = new AbortController();
  const { out, lines } = memoryOut();
  const run = runBatch(options("fake.delay-200ms", 20, { out, concurrency: 2, stop: stop.signal }));
  await Bun.sleep(100);
  stop.abort();
  const s = await run;
  expect(s.stoppedBy).toBe("signal");
  expect(lines.length).toBe(2);
  expect(lines.every((l) => l.status === "ok")).toBe(true);
  expect(fake.requests.length).toBe(2);
});

test("a stop signal past the grace period abandons in-flight items unrecorded (the next run redoes them)", async () => {
  const stop = new AbortController();
  const { out, lines } = memoryOut();
  const run = runBatch(options("fake.delay-2000ms", 3, { out, concurrency: 3, stop: stop.signal, graceMs: 100 }));
  await Bun.sleep(100);
  stop.abort();
  const s = await run;
  expect(lines.length).toBe(0);
  expect(s).toMatchObject({ stoppedBy: "signal", notRun: 3 });
});

test("OUT that cannot be written stops the run with that error", async () => {
  const out: BatchOutput = {
    done: new Set(),
    write: () => {
      throw new ReduxError(ExitCode.internal, "cannot write out.jsonl: ENOSPC");
    },
    close: async () => {},
  };
  const s = await runBatch(options("fake.plain", 10, { out, concurrency: 1 }));
  expect(s.stoppedBy).toBe("fatal");
  expect(s.fatal?.message).toContain("ENOSPC");
  expect(fake.requests.length).toBe(1);
});

test("itemError: translated transient errors pass through; others keep their class", () => {
  const throttled = new ReduxError(ExitCode.unavailable, "throttled");
  expect(itemError(throttled)).toBe(throttled);
  const cut = itemError(new ReduxError(ExitCode.internal, "Error: Truncated event message received.", undefined, { cause: new Error("Truncated event message received.") }));
  expect(cut.code).toBe(ExitCode.unavailable);
  const failure = Object.assign(new Error("boom"), { name: "InternalFailure" });
  expect(itemError(new ReduxError(ExitCode.internal, "InternalFailure: boom", undefined, { cause: failure })).code).toBe(ExitCode.unavailable);
  const denied = new ReduxError(ExitCode.access, "denied");
  expect(itemError(denied)).toBe(denied);
});
