import { describe, expect, test } from "bun:test";
import { featureFields, parseGuardrail, parseRequestMetadata, parseThinking, stopReasonNote, thinkingMaxTokens } from "../../../lib/bedrock/features.ts";

describe("feature flags", () => {
  test("thinking, guardrail, metadata parse; bad values say what is wanted", () => {
    expect(parseThinking("2048")).toBe(2048);
    expect(parseThinking("adaptive")).toBe("adaptive");
    expect(() => parseThinking("lots")).toThrow("token budget from 1024");
    expect(parseGuardrail("abc123")).toEqual({ id: "abc123", version: "DRAFT" });
    expect(parseGuardrail("abc123:7")).toEqual({ id: "abc123", version: "7" });
    expect(parseGuardrail("arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123:DRAFT")).toEqual({ id: "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123", version: "DRAFT" });
    expect(parseRequestMetadata(["a=1", "b=x y"])).toEqual({ a: "1", b: "x y" });
    expect(() => parseRequestMetadata(Array.from({ length: 17 }, (_, i) => `k${i}=v`))).toThrow("at most 16");
  });

  test("request fields: the thinking shape per setting, effort, json schema, tier, latency", () => {
    expect(featureFields({ thinking: 2048 }, {})).toEqual({ additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 2048 } } });
    expect(featureFields({ thinking: "adaptive", effort: "low" }, {})).toEqual({ additionalModelRequestFields: { thinking: { type: "adaptive" } }, outputConfig: { effort: "low" } });
    expect(featureFields({}, { serviceTier: "priority", latency: "optimized" })).toEqual({ serviceTier: { type: "priority" }, performanceConfig: { latency: "optimized" } });
    expect(thinkingMaxTokens({ thinking: 2048 })).toBe(6144);
    expect(thinkingMaxTokens({ thinking: 2048, max_tokens: 9000 })).toBeUndefined();
    expect(stopReasonNote("max_tokens", { max_tokens: 5 })).toMatchObject({ fails: false });
    expect(stopReasonNote("guardrail_intervened", {})).toMatchObject({ fails: true });
    expect(stopReasonNote("end_turn", {})).toBeUndefined();
  });
});
