import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { classifyRow, perMillionFactor, pricesFromOffer, validateSource } from "../../../lib/bedrock/price-refresh.ts";
import { assertValid } from "../../schema.ts";

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "fakes", "fixtures", "price-offers", name), "utf8"));

describe("classifyRow", () => {
  test("usage types of both offers, both naming styles", () => {
    expect(classifyRow("USE1-MP:USE1_InputTokenCount-Units")).toEqual({ kind: "input", tier: "standard", scope: "in-region" });
    expect(classifyRow("USE1-MP:USE1_OutputTokenCount_Global-Units")).toEqual({ kind: "output", tier: "standard", scope: "global" });
    expect(classifyRow("USE1-MP:USE1_CacheReadInputTokenCount-Units")?.kind).toBe("cache_read");
    expect(classifyRow("USE1-MP:USE1_cache_write_tokens_global_standard-Units")).toEqual({ kind: "cache_write", tier: "standard", scope: "global" });
    expect(classifyRow("APN1-MP:APN1_MillionBatchInputTokens-Units")).toEqual({ kind: "input", tier: "batch", scope: "in-region" });
    expect(classifyRow("USE1-NovaPro-input-tokens-batch", "Input tokens")?.tier).toBe("batch");
    expect(classifyRow("USE1-NovaMicro-output-tokens-flex")?.tier).toBe("flex");
    expect(classifyRow("USE1-NovaMicro-input-tokens-priority")?.tier).toBe("priority");
    expect(classifyRow("USE1-NovaMicro-cache-read-input-token-count", "Input tokens")?.kind).toBe("cache_read");
  });

  test("rows redux never bills are left out", () => {
    for (const u of ["USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units", "USE1-MP:USE1_CacheWrite1hInputTokenCount-Units", "USE1-NovaPro-cache-read-input-token-count-custom-model", "USE1-NovaPro-latency-optimized-input-tokens", "USE1-NovaCanvas-image"]) {
      expect(classifyRow(u, "Input tokens")).toBeUndefined();
    }
  });
});

test("units: per 1K, per 1M, the Marketplace offer's bare Units; anything else is not guessed", () => {
  expect(perMillionFactor("1K tokens", "", "USE1-NovaPro-input-tokens", "AmazonBedrock")).toBe(1000);
  expect(perMillionFactor("1M tokens", "", "x", "AmazonBedrockFoundationModels")).toBe(1);
  expect(perMillionFactor("Units", "", "USE1-MP:USE1_InputTokenCount-Units", "AmazonBedrockFoundationModels")).toBe(1);
  expect(perMillionFactor("Units", "", "USE1-Something-input", "AmazonBedrock")).toBeUndefined();
});

describe("pricesFromOffer (fixtures in the bulk-file shape)", () => {
  test("Marketplace offer: regional, us. and global. profiles, batch read from its own rows, cache rates", () => {
    const p = pricesFromOffer("AmazonBedrockFoundationModels", "us-east-1", fixture("AmazonBedrockFoundationModels.us-east-1.json"));
    assertValid("prices.schema.json", p.entries);
    const get = (id: string, tier = "standard") => p.entries.find((e) => e.model_id === id && e.tier === tier);
    const sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    expect(get(sonnet)).toMatchObject({ input: 3.3, output: 16.5, cache_read: 0.33, cache_write: 4.125 });
    expect(get(`us.${sonnet}`)).toMatchObject({ input: 3.3, output: 16.5 });
    expect(get(`global.${sonnet}`)).toMatchObject({ input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 });
    expect(get(sonnet, "batch")).toMatchObject({ input: 1.65, output: 8.25 });
    expect(get(`eu.${sonnet}`)).toBeUndefined();
    expect(get("anthropic.claude-3-5-haiku-20241022-v1:0", "batch")).toMatchObject({ input: 0.4, output: 2, cache_read: null });
    expect(get(sonnet)!.source).toBe("AWS Price List AmazonBedrockFoundationModels 20261101000000 us-east-1");
    expect(get(sonnet)!.date).toBe("2026-11-01");
    // the look-alike product is named nowhere in the alias table: it prices nothing
    expect(p.entries.some((e) => e.input === 99)).toBe(false);
  });

  test("AmazonBedrock offer: per-1K rates become per-1M; flex and priority tiers", () => {
    const p = pricesFromOffer("AmazonBedrock", "us-east-1", fixture("AmazonBedrock.us-east-1.json"));
    const get = (id: string, tier = "standard") => p.entries.find((e) => e.model_id === id && e.tier === tier);
    expect(get("amazon.nova-pro-v1:0")).toMatchObject({ input: 0.8, output: 3.2, cache_read: 0.2, cache_write: null });
    expect(get("us.amazon.nova-pro-v1:0")).toMatchObject({ input: 0.8 });
    expect(get("amazon.nova-micro-v1:0", "flex")).toMatchObject({ input: 0.0175, output: 0.07 });
    expect(get("amazon.nova-micro-v1:0", "priority")).toMatchObject({ input: 0.06125, output: 0.245 });
  });

  test("two rows that disagree on one rate leave it unknown", () => {
    const doc = fixture("AmazonBedrock.us-east-1.json");
    const [sku, product] = Object.entries(doc.products).find(([, p]: [string, any]) => p.attributes.usagetype === "USE1-NovaPro-input-tokens") as [string, any];
    doc.products[`${sku}X`] = { ...product, sku: `${sku}X` };
    doc.terms.OnDemand[`${sku}X`] = JSON.parse(JSON.stringify(doc.terms.OnDemand[sku]).replaceAll("0.0008000000", "0.0009000000"));
    const p = pricesFromOffer("AmazonBedrock", "us-east-1", doc);
    expect(p.entries.find((e) => e.model_id === "amazon.nova-pro-v1:0" && e.tier === "standard")?.input).toBeNull();
    expect(p.skipped).toBe(1);
  });
});

test("--source must be a plain http(s) URL", () => {
  expect(validateSource("https://mirror.example/prices/")).toBe("https://mirror.example/prices");
  expect(() => validateSource("file:///etc/passwd")).toThrow(/http/);
  expect(() => validateSource("https://user:pw@mirror.example")).toThrow(/credentials/);
});
