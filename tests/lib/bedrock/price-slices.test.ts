import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { overrideEntriesOf } from "../../../lib/bedrock/price-slices.ts";
import { clearPriceCache, loadPrices, readPriceFile, type PriceEntry } from "../../../lib/bedrock/prices.ts";
import { withTempHome } from "../../e2e/harness.ts";

const ID = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const entry = (o: Partial<PriceEntry> = {}): PriceEntry => ({ model_id: ID, region: "us-east-1", tier: "standard", input: 3, output: 15, cache_read: 0.3, cache_write: 3.75, source: "refresh", date: "2026-11-01", ...o });
const others = Array.from({ length: 50 }, (_, i) => entry({ model_id: `other.model-${i}` }));

let home = "";
let env: Record<string, string> = {};
withTempHome((ctx) => {
  home = ctx.home;
  env = ctx.env;
  mkdirSync(join(home, ".amazon-q"), { mode: 0o700 });
});

const pricesFile = () => join(home, ".amazon-q", "prices.json");
const writePrices = (entries: PriceEntry[]) => writeFileSync(pricesFile(), JSON.stringify({ version: 1, updated_at: "2026-11-30T00:00:00Z", source_url: "test", entries }), { mode: 0o600 });
const sliceDirs = () => (existsSync(join(home, ".amazon-q", "cache")) ? readdirSync(join(home, ".amazon-q", "cache")).filter((n) => n.startsWith("prices-")) : []);

/**
 * overrideEntriesOf as loadPrices calls it, counting whole reads (settled at once: no file here is "too new"). -1, not
 * 0: Date.now() is whole milliseconds and file times are finer, so a file written this millisecond looks 0-1 ms ahead.
 */
function lookup(id = ID, settleMs = -1) {
  let wholeReads = 0;
  const entries = overrideEntriesOf(pricesFile(), id, () => {
    wholeReads++;
    return readPriceFile(pricesFile()).file?.entries;
  }, env, settleMs);
  return { entries, wholeReads };
}

describe("price slices", () => {
  test("the first lookup reads the whole file and cuts the model's slice (0600 in a 0700 directory); the next reads only the slice", () => {
    writePrices([...others, entry(), entry({ region: "us-west-2", input: 3.1 }), entry({ input: 9, tier: "batch" })]);
    const first = lookup();
    expect(first.wholeReads).toBe(1);
    expect(first.entries!.map((e) => [e.region, e.tier, e.input])).toEqual([["us-east-1", "standard", 3], ["us-west-2", "standard", 3.1], ["us-east-1", "batch", 9]]);
    const [dir] = sliceDirs();
    expect(statSync(join(home, ".amazon-q", "cache", dir!)).mode & 0o777).toBe(0o700);
    const files = readdirSync(join(home, ".amazon-q", "cache", dir!));
    expect(files).toEqual([`${encodeURIComponent(ID)}.json`]);
    expect(statSync(join(home, ".amazon-q", "cache", dir!, files[0]!)).mode & 0o777).toBe(0o600);
    const second = lookup();
    expect(second).toEqual({ entries: first.entries, wholeReads: 0 });
  });

  test("a model the file does not price gets an empty slice: the next lookup reads nothing whole either", () => {
    writePrices(others);
    expect(lookup("amazon.nova-pro-v1:0")).toEqual({ entries: [], wholeReads: 1 });
    expect(lookup("amazon.nova-pro-v1:0")).toEqual({ entries: [], wholeReads: 0 });
  });

  test("a changed prices.json, even to the same size, is read whole again, and the old file's slices are removed", async () => {
    writePrices([...others, entry({ input: 3 })]);
    lookup();
    const before = sliceDirs();
    await Bun.sleep(20); // past the kernel's timestamp tick: within one, only the settle time tells the files apart
    writePrices([...others, entry({ input: 4 })]);
    const after = lookup();
    expect(after.wholeReads).toBe(1);
    expect(after.entries![0]!.input).toBe(4);
    expect(sliceDirs()).toHaveLength(1);
    expect(sliceDirs()).not.toEqual(before);
  });

  test("a file changed in the last seconds is read whole every time and not sliced (coarse timestamps)", () => {
    writePrices([entry()]);
    expect(lookup(ID, 60_000).wholeReads).toBe(1);
    expect(lookup(ID, 60_000).wholeReads).toBe(1);
    expect(sliceDirs()).toEqual([]);
  });

  test("a damaged slice, or one for another id, is a miss: the whole file answers and the slice is cut again", () => {
    writePrices([entry({ input: 3 })]);
    lookup();
    const file = join(home, ".amazon-q", "cache", sliceDirs()[0]!, `${encodeURIComponent(ID)}.json`);
    for (const bad of ["{\"model_id\":", JSON.stringify({ model_id: "x", entries: [entry({ model_id: "x" })] }), JSON.stringify({ model_id: ID, entries: [{ ...entry(), input: -1 }] })]) {
      writeFileSync(file, bad);
      expect(lookup()).toMatchObject({ wholeReads: 1, entries: [{ input: 3 }] });
      expect(lookup().wholeReads).toBe(0);
    }
  });

  test("no prices.json: nothing is read; a damaged one gives no entries and no slice", () => {
    expect(lookup()).toEqual({ entries: undefined, wholeReads: 0 });
    writeFileSync(pricesFile(), "{\"version\":1,\"entries\":[");
    expect(lookup()).toEqual({ entries: undefined, wholeReads: 1 });
    expect(sliceDirs()).toEqual([]);
  });

  test("a cache that cannot be written changes nothing but speed", () => {
    writePrices([entry({ input: 3 })]);
    writeFileSync(join(home, ".amazon-q", "cache"), "not a directory"); // fails for root too, unlike permissions
    expect(lookup()).toMatchObject({ wholeReads: 1, entries: [{ input: 3 }] });
    expect(lookup()).toMatchObject({ wholeReads: 1, entries: [{ input: 3 }] });
  });

  test("through loadPrices: the override price, from the slice once the file has settled, and the new price after a change", async () => {
    writePrices([...others, entry({ input: 7 })]);
    await Bun.sleep(2_600);
    for (const expected of [7, 7]) {
      clearPriceCache();
      expect(loadPrices(env).lookup(ID, "us-east-1", "standard")?.input).toBe(expected);
      expect(sliceDirs()).toHaveLength(1);
    }
    writePrices([...others, entry({ input: 8 })]);
    clearPriceCache();
    const t = loadPrices(env);
    expect(t.lookup(ID, "us-east-1", "standard")?.input).toBe(8);
    // the built-in table still answers what the file does not price, and the merged list and path are the file's
    expect(t.lookup("amazon.nova-pro-v1:0", "us-west-2", "batch")?.input).toBe(0.4);
    expect(t.overridePath).toBe(pricesFile());
    expect(t.entries.find((e) => e.model_id === "other.model-3")).toBeDefined();
    clearPriceCache();
  });
});
