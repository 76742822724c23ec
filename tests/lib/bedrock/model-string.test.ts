import { describe, expect, test } from "bun:test";
import { parseModelString, pickModelString, isValidRegion, stripProfilePrefix, validateModelId } from "../../../lib/bedrock/model-string.ts";
import { baseModelId } from "../../../lib/bedrock/capabilities.ts";
import { vendorOf } from "../../../lib/bedrock/discovery.ts";
import { ExitCode, ReduxError } from "../../../lib/errors.ts";
import { editedStrings } from "../../helpers/edited-strings.ts";

const usage = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ReduxError);
    expect((err as ReduxError).code).toBe(ExitCode.usage);
    return err as ReduxError;
  }
  throw new Error("expected a usage error");
};

describe("parseModelString", () => {
  test("splits on the first two colons only", () => {
    const m = parseModelString("custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0");
    expect(m).toEqual({
      model: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      region: "us-east-1",
      modelId: "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      kind: "inference-profile",
    });
  });

  test("foundation model ids and ARNs keep every : and /", () => {
    expect(parseModelString("custom:eu-west-3:anthropic.claude-3-haiku-20240307-v1:0").kind).toBe("foundation-model");
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    const m = parseModelString(`custom:us-east-1:${arn}`);
    expect(m.modelId).toBe(arn);
    expect(m.kind).toBe("arn");
  });

  test("regions of every partition", () => {
    for (const r of ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "eu-central-2", "us-isob-east-1", "eusc-de-east-1", "il-central-1"]) {
      expect(isValidRegion(r)).toBe(true);
      expect(parseModelString(`custom:${r}:amazon.nova-lite-v1:0`).region).toBe(r);
    }
  });

  test("bad regions are refused with the format in the hint", () => {
    for (const r of ["", "us-east", "US-EAST-1", "mars-east-1", "us-up-1", "evil.com#", "us-east-1.attacker", "us_east_1", "a".repeat(64)]) {
      const e = usage(() => parseModelString(`custom:${r}:m`));
      expect(e.message).toContain("region");
      expect(e.hint).toContain("custom:<region>:<model-id>");
    }
  });

  test("bad model ids are refused", () => {
    for (const id of ["", ".", "..", "has space", "tab\there", "nl\nx", "ctl\u0007", "x".repeat(2049)]) usage(() => parseModelString(`custom:us-east-1:${id}`));
    expect(parseModelString(`custom:us-east-1:${"x".repeat(2048)}`).modelId.length).toBe(2048);
  });

  test("an ARN in another region than the model string is an error", () => {
    const e = usage(() => parseModelString("custom:us-west-2:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x:0"));
    expect(e.message).toContain("us-east-1");
    expect(e.hint).toContain("custom:us-east-1:");
  });

  test("a bare id needs a region, and takes the default one", () => {
    usage(() => parseModelString("anthropic.claude-3-haiku-20240307-v1:0"));
    expect(parseModelString("anthropic.claude-3-haiku-20240307-v1:0", "us-west-2").model).toBe("custom:us-west-2:anthropic.claude-3-haiku-20240307-v1:0");
    // a bare ARN brings its own region
    expect(parseModelString("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.x:0").region).toBe("eu-west-1");
  });

  test("custom: with no id", () => {
    usage(() => parseModelString("custom:us-east-1"));
    usage(() => parseModelString("custom:us-east-1:"));
  });
});

describe("pickModelString", () => {
  test("flag > AMAZON_Q_MODEL > AMAZON_Q_CUSTOM_MODEL > setting > Amazon Q setting", () => {
    const env = { AMAZON_Q_MODEL: "custom:us-east-1:a", AMAZON_Q_CUSTOM_MODEL: "custom:us-east-1:b" };
    expect(pickModelString({ flag: "custom:us-east-1:f", env, setting: "s", amazonQSetting: "custom:us-east-1:q" })?.source).toBe("--model");
    expect(pickModelString({ env, setting: "s" })?.value).toBe("custom:us-east-1:a");
    expect(pickModelString({ env: { AMAZON_Q_CUSTOM_MODEL: "custom:us-east-1:b" }, setting: "s" })?.value).toBe("custom:us-east-1:b");
    expect(pickModelString({ env: { AMAZON_Q_CUSTOM_MODEL: "not-custom" }, setting: "custom:us-east-1:s" })?.value).toBe("custom:us-east-1:s");
    expect(pickModelString({ env: {}, amazonQSetting: "custom:us-east-1:q" })?.source).toBe("Amazon Q CLI chat.defaultModel");
    expect(pickModelString({ env: {}, amazonQSetting: "claude-sonnet-4" })).toBeUndefined();
  });
});

describe("inference-profile prefixes", () => {
  const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
  // every geography AWS names profiles after (ca. since Canada's cross-Region profiles), and global.
  test.each(["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"])("%s. is a profile prefix, stripped alike everywhere", (geo) => {
    const id = `${geo}.${SONNET}`;
    expect(parseModelString(`custom:us-east-1:${id}`).kind).toBe("inference-profile");
    expect(stripProfilePrefix(id)).toBe(SONNET);
    expect(baseModelId(id)).toBe(SONNET);
    expect(vendorOf(id)).toBe("anthropic");
  });

  test("anything else is kept: a foundation model id, an unknown prefix, a prefix without a vendor after it", () => {
    expect(stripProfilePrefix(SONNET)).toBe(SONNET);
    expect(stripProfilePrefix(`sa.${SONNET}`)).toBe(`sa.${SONNET}`);
    expect(parseModelString(`custom:us-east-1:sa.${SONNET}`).kind).toBe("foundation-model");
    expect(parseModelString("custom:us-east-1:us.x").kind).toBe("foundation-model");
  });
});

describe("isValidRegion", () => {
  test("accepts exactly what the one pattern it replaces accepted, every partition and direction, and nothing else", () => {
    const PATTERN = /^(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc-de)-(?:east|west|north|south|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;
    const partitions = ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn", "us-gov", "us-iso", "us-isob", "us-isof", "eu-isoe", "eusc-de", "", "u", "usa", "us-", "-us", "us-gov-", "apac", "EU", "constructor", "__proto__"];
    const directions = ["east", "west", "north", "south", "central", "northeast", "northwest", "southeast", "southwest", "", "eastt", "East", "north-east", "toString"];
    const numbers = ["1", "9", "10", "99", "100", "", "a", "1a", "٣", "01", "-1"];
    const tried: string[] = ["", "-", "--", "---", "us-east-1\n", " us-east-1", "us-east-1 ", "us_east_1", "useast1", "x".repeat(70), `${"us-gov-".repeat(12)}east-1`];
    for (const p of partitions) for (const d of directions) for (const n of numbers) tried.push(`${p}-${d}-${n}`);
    for (const r of tried) expect({ r, ok: isValidRegion(r) }).toEqual({ r, ok: PATTERN.test(r) && r.length <= 63 });
    expect(isValidRegion("us-gov-west-1")).toBe(true);
  });
});

describe("ids checked by hand, as the patterns they replace", () => {
  // the patterns model-string.ts used before it checked by hand
  const CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;
  const PREFIXES = ["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"];
  const PREFIX = new RegExp(`^(?:${PREFIXES.join("|")})\\.`);
  const PROFILE = new RegExp(`${PREFIX.source}[a-z0-9-]+\\.`);
  const rejected = (id: string) => {
    try {
      validateModelId(id, "us-east-1");
      return false;
    } catch (err) {
      return (err as ReduxError).message.includes("whitespace or control");
    }
  };

  test("every UTF-16 code unit: whitespace or a control character is refused exactly where the pattern matched", () => {
    const differ: string[] = [];
    let refused = 0;
    for (let c = 0; c < 0x10000; c++) {
      const id = `anthropic.claude${String.fromCharCode(c)}v1`;
      const r = rejected(id);
      if (r) refused++;
      if (r !== CONTROL.test(id)) differ.push(c.toString(16));
    }
    expect(differ).toEqual([]);
    expect(refused).toBeGreaterThan(60);
  });

  test("profile ids and prefixes: the same kind and the same stripped id as the patterns, on ids with random edits", () => {
    const ids = ["us.anthropic.claude-3-5-sonnet-20241022-v2:0", "us-gov.anthropic.claude-3-haiku-20240307-v1:0", "global.amazon.nova-2-lite-v1:0", "apac.x.y", "anthropic.claude-v2", "us.x", "eu..x", "jp.a-b9.c", "usa.anthropic.x", "ca.", "."];
    let profiles = 0;
    for (const id of editedStrings(ids, "us.-aZ9_:", 20_000, 11)) {
      expect({ id, stripped: stripProfilePrefix(id) }).toEqual({ id, stripped: id.replace(PREFIX, "") });
      if (!id || id === "." || id === "..") continue;
      const kind = parseModelString(`custom:us-east-1:${id}`).kind;
      if (kind === "inference-profile") profiles++;
      expect({ id, kind }).toEqual({ id, kind: id.startsWith("arn:") ? "arn" : PROFILE.test(id) ? "inference-profile" : "foundation-model" });
    }
    expect(profiles).toBeGreaterThan(2_000);
    expect(profiles).toBeLessThan(18_000);
  });
});
