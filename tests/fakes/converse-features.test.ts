// The fake refuses what Bedrock refuses, so e2e tests that pass against it show that redux's requests are right.
import { describe, expect, test } from "bun:test";
import { invalidConverse } from "./converse-features.ts";

const b64 = (n: number) => Buffer.alloc(n).toString("base64");
const user = (...content: unknown[]) => ({ messages: [{ role: "user", content }] });

describe("fake Bedrock validation", () => {
  test("limits: image and document size, documents need text, names", () => {
    expect(invalidConverse("m", user({ image: { format: "png", source: { bytes: b64(4 * 1024 * 1024) } } }, { text: "x" }))).toContain("3.75 MB");
    expect(invalidConverse("m", user({ image: { format: "png", source: { bytes: b64(100) } } }, { text: "x" }))).toBeUndefined();
    expect(invalidConverse("m", user({ document: { format: "pdf", name: "a", source: { bytes: b64(5 * 1024 * 1024) } } }, { text: "x" }))).toContain("4.5 MB");
    expect(invalidConverse("m", user({ document: { format: "pdf", name: "a", source: { bytes: b64(10) } } }))).toContain("text block");
    expect(invalidConverse("m", user({ document: { format: "pdf", name: "a.pdf", source: { bytes: b64(10) } } }, { text: "x" }))).toContain("name");
  });

  test("thinking: reasoning must come back signed, only on models that think, not with both samplers where refused", () => {
    const turn2 = {
      additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } },
      messages: [
        { role: "user", content: [{ text: "a" }] },
        { role: "assistant", content: [{ reasoningContent: { reasoningText: { text: "hmm" } } }, { text: "b" }] },
        { role: "user", content: [{ text: "c" }] },
      ],
    };
    expect(invalidConverse("us.anthropic.claude-3-7-sonnet", turn2)).toContain("signature");
    turn2.messages[1]!.content[0] = { reasoningContent: { reasoningText: { text: "hmm", signature: "s" } } } as never;
    expect(invalidConverse("us.anthropic.claude-3-7-sonnet", turn2)).toBeUndefined();
    expect(invalidConverse("meta.llama3-1-70b-instruct-v1:0", turn2)).toContain("does not support thinking");
    const both = { ...user({ text: "x" }), inferenceConfig: { temperature: 0.5, topP: 0.9 } };
    expect(invalidConverse("us.anthropic.claude-sonnet-4-5-20250929-v1:0", both)).toContain("cannot both be specified");
    expect(invalidConverse("us.anthropic.claude-3-5-sonnet-20241022-v2:0", both)).toBeUndefined();
  });
});
