import { describe, expect, test } from "bun:test";
import { baseModelId, capabilitiesOf } from "../../../lib/bedrock/capabilities.ts";

describe("capability table", () => {
  test("families by id, with profiles and ARNs seen through", () => {
    expect(baseModelId("us.anthropic.claude-3-7-sonnet-20250219-v1:0")).toBe("anthropic.claude-3-7-sonnet-20250219-v1:0");
    expect(baseModelId("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.meta.llama3-1-70b-instruct-v1:0")).toBe("meta.llama3-1-70b-instruct-v1:0");
    expect(capabilitiesOf("global.anthropic.claude-sonnet-4-5-20250929-v1:0")).toMatchObject({ thinking: "budget", exclusiveSamplers: true });
    expect(capabilitiesOf("anthropic.claude-haiku-4-5-20251001-v1:0")).toMatchObject({ thinking: "budget", exclusiveSamplers: true });
    expect(capabilitiesOf("us.anthropic.claude-opus-4-1-20250805-v1:0")).toMatchObject({ thinking: "budget", exclusiveSamplers: true });
    expect(capabilitiesOf("us.anthropic.claude-sonnet-4-20250514-v1:0")).toMatchObject({ thinking: "budget", exclusiveSamplers: false });
    expect(capabilitiesOf("us.anthropic.claude-opus-4-6-v1:0")).toMatchObject({ thinking: "adaptive" });
    expect(capabilitiesOf("anthropic.claude-3-7-sonnet-20250219-v1:0")).toMatchObject({ thinking: "budget", exclusiveSamplers: false });
    expect(capabilitiesOf("anthropic.claude-3-5-sonnet-20241022-v2:0")).toMatchObject({ thinking: "none" });
    expect(capabilitiesOf("us.anthropic.claude-3-5-haiku-20241022-v1:0")).toMatchObject({ thinking: "none", latencyOptimized: true });
    expect(capabilitiesOf("meta.llama3-3-70b-instruct-v1:0")).toMatchObject({ thinking: "none", latencyOptimized: false });
    expect(capabilitiesOf("us.amazon.nova-pro-v1:0")).toMatchObject({ latencyOptimized: true });
    expect(capabilitiesOf("acme.unknown-v1")).toBeUndefined();
  });
});
