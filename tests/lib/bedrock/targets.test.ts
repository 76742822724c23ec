import { describe, expect, test } from "bun:test";
import { chooseFallbacks, parseFallbackSetting, splitModelList, targetList } from "../../../lib/bedrock/targets.ts";
import { parseModelString } from "../../../lib/bedrock/model-string.ts";
import { ExitCode, type ReduxError } from "../../../lib/errors.ts";

const W = "custom:us-west-2:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const E = "custom:eu-west-1:eu.anthropic.claude-3-5-sonnet-20241022-v2:0";
const P = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";

const refused = (f: () => unknown): ReduxError => {
  try {
    f();
  } catch (e) {
    return e as ReduxError;
  }
  throw new Error("not refused");
};

describe("chooseFallbacks", () => {
  test("--fallback wins over AMAZON_Q_FALLBACK_MODELS, which wins over chat.fallbackModels", () => {
    const env = { AMAZON_Q_FALLBACK_MODELS: `${E}` };
    expect(chooseFallbacks({ flags: [W], env, setting: P }).models.map((m) => m.model)).toEqual([W]);
    expect(chooseFallbacks({ flags: [], env, setting: P })).toMatchObject({ source: "AMAZON_Q_FALLBACK_MODELS", models: [{ model: E, region: "eu-west-1" }] });
    expect(chooseFallbacks({ env: {}, setting: `${W},${E}` }).models.map((m) => m.region)).toEqual(["us-west-2", "eu-west-1"]);
    expect(chooseFallbacks({ env: {} })).toEqual({ models: [] });
    // an empty variable says "no fallbacks", over the setting
    expect(chooseFallbacks({ env: { AMAZON_Q_FALLBACK_MODELS: "" }, setting: W }).models).toEqual([]);
  });

  test("a malformed fallback is a usage error naming the value and where it came from", () => {
    const e = refused(() => chooseFallbacks({ flags: ["custom:moon-1:x"], env: {} }));
    expect(e.code).toBe(ExitCode.usage);
    expect(e.message).toContain('"custom:moon-1:x" (from --fallback)');
    expect(refused(() => chooseFallbacks({ env: { AMAZON_Q_FALLBACK_MODELS: `${W},,${E}` } })).message).toContain("empty entry (position 2)");
    // outside --fallback a bare id has no region to take
    expect(refused(() => chooseFallbacks({ env: { AMAZON_Q_FALLBACK_MODELS: "us.amazon.nova-lite-v1:0" } })).code).toBe(ExitCode.usage);
    expect(chooseFallbacks({ flags: ["us.amazon.nova-lite-v1:0"], env: {}, defaultRegion: "ca-central-1" }).models[0]!.model).toBe("custom:ca-central-1:us.amazon.nova-lite-v1:0");
    expect(refused(() => chooseFallbacks({ flags: Array(11).fill(W), env: {} })).message).toContain("at most 10");
  });

  test("model ids keep their colons; commas separate entries", () => {
    expect(splitModelList(` ${W} , ${E} `, "x")).toEqual([W, E]);
    expect(splitModelList("", "x")).toEqual([]);
  });
});

describe("targetList", () => {
  test("primary first, fallbacks in order, each once", () => {
    const t = targetList(parseModelString(P), [W, P, E, W].map((m) => parseModelString(m)));
    expect(t.map((x) => [x.model, x.primary])).toEqual([[P, true], [W, false], [E, false]]);
  });
});

describe("chat.fallbackModels", () => {
  test("stored canonical; entries must be custom: strings", () => {
    expect(parseFallbackSetting(` ${W},${E}`)).toBe(`${W},${E}`);
    expect(refused(() => parseFallbackSetting("us.amazon.nova-lite-v1:0")).code).toBe(ExitCode.usage);
    expect(refused(() => parseFallbackSetting(`${W},`)).code).toBe(ExitCode.usage);
  });
});
