import { describe, expect, test } from "bun:test";
import { createHealth } from "../../../lib/bedrock/health.ts";

describe("target health", () => {
  test("a final failure opens the target for the cool-down; then one probe, and the cool-down doubles when it fails", () => {
    let t = 1000;
    const h = createHealth({ baseMs: 100, now: () => t });
    expect(h.acquire("a")).toBe(true);
    h.onFailure("a", { final: true, errorClass: "unavailable" });
    expect(h.isOpen("a")).toBe(true);
    expect(h.cooling("a")).toEqual({ until: 1100, errorClass: "unavailable" });
    expect(h.acquire("a")).toBe(false);
    t = 1100;
    expect(h.acquire("a")).toBe(true); // the probe
    expect(h.acquire("a")).toBe(false); // others wait for it
    h.onFailure("a", { final: true });
    expect(h.cooling("a")!.until).toBe(1300); // 200 ms: doubled
    t = 1300;
    expect(h.acquire("a")).toBe(true);
    h.onFailure("a", { final: true });
    expect(h.cooling("a")!.until).toBe(1700); // 400 ms
    t = 1700;
    expect(h.acquire("a")).toBe(true);
    h.onSuccess("a");
    expect(h.isOpen("a")).toBe(false);
    expect(h.acquire("a")).toBe(true);
    // after a success the next cool-down starts from the base again
    h.onFailure("a", { final: true });
    expect(h.cooling("a")!.until).toBe(1800);
  });

  test("failures from the rest of a wave already in flight do not grow the cool-down", () => {
    let t = 0;
    const h = createHealth({ baseMs: 100, now: () => t });
    for (let i = 0; i < 16; i++) h.onFailure("a", { final: true });
    expect(h.cooling("a")!.until).toBe(100);
  });

  test("non-final failures open a target after three in a row; a success in between resets the count", () => {
    const h = createHealth({ baseMs: 100, now: () => 0 });
    h.onFailure("a", { final: false });
    h.onFailure("a", { final: false });
    h.onSuccess("a");
    h.onFailure("a", { final: false });
    h.onFailure("a", { final: false });
    expect(h.isOpen("a")).toBe(false);
    h.onFailure("a", { final: false });
    expect(h.isOpen("a")).toBe(true);
    expect(h.isOpen("b")).toBe(false);
  });

  test("the cool-down is capped, and a probe that never reports is given up after one base cool-down", () => {
    let t = 0;
    const h = createHealth({ baseMs: 100, maxMs: 250, now: () => t });
    h.onFailure("a", { final: true });
    for (let i = 0; i < 5; i++) {
      t = h.cooling("a")!.until;
      expect(h.acquire("a")).toBe(true);
      h.onFailure("a", { final: true });
    }
    expect(h.cooling("a")!.until - t).toBe(250);
    t = h.cooling("a")!.until;
    expect(h.acquire("a")).toBe(true);
    t += 50;
    expect(h.acquire("a")).toBe(false);
    t += 60;
    expect(h.acquire("a")).toBe(true);
  });
});
