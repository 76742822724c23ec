import { expect, test } from "bun:test";
import { backoffMs, createAimd, retryAfterMs } from "../../../lib/batch/rate-control.ts";

test("AIMD: halves once per burst of throttles, climbs back one per window of successes", () => {
  const a = createAimd(16, 1000);
  a.onThrottle(0);
  a.onThrottle(10); // same burst
  expect(a.limit).toBe(8);
  a.onThrottle(2000);
  expect(a.limit).toBe(4);
  for (let i = 0; i < 4; i++) a.onSuccess();
  expect(a.limit).toBe(5);
  for (let i = 0; i < 200; i++) a.onSuccess();
  expect(a.limit).toBe(16);
  for (let t = 0; t < 10; t++) a.onThrottle(10_000 + t * 2000);
  expect(a.limit).toBe(1);
});

test("backoff: jittered exponential, capped, never shorter than Retry-After", () => {
  expect(backoffMs(0, { baseMs: 100, capMs: 20_000, random: () => 1 })).toBe(100);
  expect(backoffMs(3, { baseMs: 100, capMs: 20_000, random: () => 1 })).toBe(800);
  expect(backoffMs(20, { baseMs: 100, capMs: 20_000, random: () => 1 })).toBe(20_000);
  expect(backoffMs(0, { baseMs: 100, capMs: 20_000, random: () => 0.5, retryAfterMs: 3000 })).toBe(3000);
  expect(backoffMs(0, { baseMs: 100, capMs: 2000, random: () => 0.5, retryAfterMs: 30_000 })).toBe(2000);
});

test("Retry-After in seconds, as a date, and x-amz-retry-after in ms", () => {
  expect(retryAfterMs({ $response: { headers: { "retry-after": "2" } } })).toBe(2000);
  expect(retryAfterMs({ $response: { headers: { "x-amz-retry-after": "1500" } } })).toBe(1500);
  expect(retryAfterMs({ $response: { headers: { "retry-after": new Date(10_000).toUTCString() } } }, 4000)).toBe(6000);
  expect(retryAfterMs({})).toBeUndefined();
});
