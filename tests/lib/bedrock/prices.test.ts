import { describe, expect, test } from "bun:test";
import { costOf, costUsd, formatUsd, priceFor, tierOf, priceTable, pricingId, parsePriceFile, regionShaped, type PriceEntry } from "../../../lib/bedrock/prices.ts";
import { builtinPrices } from "../../../lib/bedrock/builtin-prices.ts";
import { assertValid } from "../../schema.ts";
import { editedStrings } from "../../helpers/edited-strings.ts";

const entry = (o: Partial<PriceEntry> = {}): PriceEntry => ({ model_id: "m", region: "us-east-1", tier: "standard", input: 3, output: 15, cache_read: 0.3, cache_write: 3.75, source: "test", date: "2026-11-01", ...o });

describe("price lookup", () => {
  test("keyed by the exact id, region and tier: a profile, another region or a similar id has no price", () => {
    const t = priceTable([entry({ model_id: "anthropic.x-v1:0" }), entry({ model_id: "us.anthropic.x-v1:0", input: 3.3 }), entry({ model_id: "anthropic.x-v1:0", tier: "batch", input: 1.5 })]);
    expect(priceFor("anthropic.x-v1:0", "us-east-1", "standard", t)?.input).toBe(3);
    expect(priceFor("us.anthropic.x-v1:0", "us-east-1", "standard", t)?.input).toBe(3.3);
    expect(priceFor("anthropic.x-v1:0", "us-east-1", "batch", t)?.input).toBe(1.5);
    expect(priceFor("anthropic.x-v1:0", "eu-west-1", "standard", t)).toBeUndefined();
    expect(priceFor("anthropic.x-v2:0", "us-east-1", "standard", t)).toBeUndefined();
    expect(priceFor("eu.anthropic.x-v1:0", "us-east-1", "standard", t)).toBeUndefined();
    expect(priceFor("anthropic.x-v1:0", "us-east-1", "flex", t)).toBeUndefined();
  });

  test("later entries win (the override file over the built-in table)", () => {
    const t = priceTable([entry({ input: 3 }), entry({ input: 4, source: "override" })]);
    expect(priceFor("m", "us-east-1", "standard", t)).toMatchObject({ input: 4, source: "override" });
    expect(t.entries).toHaveLength(1);
  });

  test("foundation-model and system profile ARNs are priced as their id; application profiles are not", () => {
    expect(pricingId("arn:aws:bedrock:us-east-1::foundation-model/anthropic.x-v1:0")).toBe("anthropic.x-v1:0");
    expect(pricingId("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.x-v1:0")).toBe("us.anthropic.x-v1:0");
    expect(pricingId("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc")).toBe("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc");
  });

  test("the built-in table is valid, prices global. and us. Claude 4.5 apart, and batch at the published rate", () => {
    const all = builtinPrices();
    assertValid("prices.schema.json", all);
    const t = priceTable(all);
    expect(priceFor("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1", "standard", t)?.input).toBe(3);
    expect(priceFor("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1", "standard", t)?.input).toBe(3.3);
    expect(priceFor("amazon.nova-pro-v1:0", "us-west-2", "batch", t)).toMatchObject({ input: 0.4, output: 1.6 });
    // flex and priority rows of their own where AWS publishes them (Nova 2 Lite, US East (Ohio)); none elsewhere
    expect(priceFor("global.amazon.nova-2-lite-v1:0", "us-east-2", "flex", t)).toMatchObject({ input: 0.15, output: 1.25 });
    expect(priceFor("us.amazon.nova-2-lite-v1:0", "us-east-2", "priority", t)).toMatchObject({ input: 0.5775, output: 4.8125 });
    expect(priceFor("us.amazon.nova-2-lite-v1:0", "us-east-2", "batch", t)).toMatchObject({ input: 0.1595, output: 1.342 });
    expect(priceFor("global.amazon.nova-2-lite-v1:0", "us-east-1", "flex", t)).toBeUndefined();
    expect(priceFor("amazon.nova-pro-v1:0", "us-east-1", "flex", t)).toBeUndefined();
    // every entry names where its rates come from, and when
    for (const e of all) {
      expect(e.source).toMatch(/^built-in: .*(Amazon Bedrock pricing page|Anthropic's published Claude prices)/);
      expect(e.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  test("a damaged prices file is refused with a reason", () => {
    expect(() => parsePriceFile({ version: 1, entries: [{ model_id: "m", region: "mars", tier: "standard" }] })).toThrow(/entries\[0\]/);
    expect(() => parsePriceFile({ version: 2, entries: [] })).toThrow(/version 1/);
    expect(parsePriceFile({ version: 1, updated_at: "x", source_url: "y", entries: [entry()] }).entries).toHaveLength(1);
  });
});

describe("costOf", () => {
  test("USD per million tokens for each part, cache reads and writes at their own rates", () => {
    const c = costOf({ input_tokens: 1000, output_tokens: 2000, cache_read_input_tokens: 10_000, cache_write_input_tokens: 4000 }, entry());
    expect(c).toEqual({ usd: 0.051, input: 0.003, output: 0.03, cache_read: 0.003, cache_write: 0.015, price_source: "test (2026-11-01)" });
  });

  test("no price: every part unknown (null), never 0", () => {
    expect(costOf({ input_tokens: 5, output_tokens: 5 }, undefined)).toEqual({ usd: null, input: null, output: null, cache_read: null, cache_write: null, price_source: null });
  });

  test("a rate the usage needs is unknown: that part and the total are null; unused unknown rates cost 0", () => {
    const p = entry({ cache_write: null });
    expect(costOf({ input_tokens: 10, output_tokens: 10 }, p).usd).not.toBeNull();
    const c = costOf({ input_tokens: 10, output_tokens: 10, cache_write_input_tokens: 5 }, p);
    expect(c.cache_write).toBeNull();
    expect(c.usd).toBeNull();
  });

  test("formatUsd shows small amounts and unknown", () => {
    expect(formatUsd(null)).toBe("unknown");
    expect(formatUsd(0)).toBe("$0");
    expect(formatUsd(12.345)).toBe("$12.35");
    expect(formatUsd(0.0512)).toBe("$0.0512");
    expect(formatUsd(0.000018)).toBe("$0.000018");
  });
});

describe("costUsd", () => {
  test("is costOf's usd for every mix of known and unknown rates, tokens and no price", () => {
    const rates = [null, 0, 0.3, 3, 15.125, 1e-7];
    const usages = [undefined, { input_tokens: 0, output_tokens: 0 }, { input_tokens: 1234, output_tokens: 567 }, { input_tokens: 1, output_tokens: 0, cache_read_input_tokens: 70001, cache_write_input_tokens: 3 }, { input_tokens: 999_999_999, output_tokens: 33, cache_read_input_tokens: 0 }];
    for (const usage of usages) {
      expect(costUsd(usage, undefined)).toBe(costOf(usage, undefined).usd);
      for (const input of rates) for (const output of rates) for (const cache_read of [null, 0.3]) for (const cache_write of [null, 3.75]) {
        const price = entry({ input, output, cache_read, cache_write });
        expect({ usage, price, usd: costUsd(usage, price) }).toEqual({ usage, price, usd: costOf(usage, price).usd });
      }
    }
  });
});

describe("tierOf", () => {
  test("the tier Bedrock reports it answered on wins over the one asked for; reserved or unknown tiers have no price", () => {
    expect(tierOf()).toBe("standard");
    expect(tierOf("default")).toBe("standard");
    expect(tierOf("flex")).toBe("flex");
    expect(tierOf("priority")).toBe("priority");
    expect(tierOf("priority", "default")).toBe("standard");
    expect(tierOf(undefined, "flex")).toBe("flex");
    expect(tierOf("flex", "reserved")).toBeNull();
    expect(tierOf("flex", "some-new-tier")).toBeNull();
  });

  test("a price that is not on-demand names its tier in price_source", () => {
    expect(costOf({ input_tokens: 1, output_tokens: 1 }, entry({ tier: "flex" })).price_source).toBe("test (2026-11-01), flex tier");
    expect(costOf({ input_tokens: 1, output_tokens: 1 }, entry({ tier: "batch" })).price_source).toBe("test (2026-11-01), batch tier");
  });
});

describe("regionShaped", () => {
  // the pattern of schemas/prices.schema.json's region, which regionShaped checks by hand
  const schema = /^[a-z]{2}(-[a-z]+)+-\d+$/;

  test("accepts and rejects what the schema's pattern does", () => {
    const named = ["us-east-1", "us-gov-west-1", "eu-central-2", "ap-southeast-5", "eusc-de-east-1", "us-isob-east-1", "ab-c-1", "ab-c-d-12", "us-east-", "us-east", "-east-1", "us--east-1", "us-east--1", "use-east-1", "u-east-1", "us-east-1a", "US-east-1", "us-ea5t-1", "us-east-1-", "us-1", "", "-1", "ab-c-", "ab-c-d", "us-east-1\n", "us_east_1", "us-east-١"];
    for (const r of named) expect({ r, ok: regionShaped(r) }).toEqual({ r, ok: schema.test(r) });
    expect(named.filter(regionShaped).length).toBeGreaterThan(5);
  });

  test("agrees with the pattern on regions with random edits (a character inserted, deleted or replaced)", () => {
    const regions = ["us-east-1", "us-gov-west-1", "eu-central-2", "ab-c-1", "eusc-de-east-12"];
    let shaped = 0;
    for (const s of editedStrings(regions, "az-09A.", 20_000, 7)) {
      if (schema.test(s)) shaped++;
      expect({ s, ok: regionShaped(s) }).toEqual({ s, ok: schema.test(s) });
    }
    // the random strings reach both answers
    expect(shaped).toBeGreaterThan(2_000);
    expect(shaped).toBeLessThan(18_000);
  });
});
