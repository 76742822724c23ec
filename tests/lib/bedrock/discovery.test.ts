import { describe, expect, test } from "bun:test";
import { accountFromRows, arnRegion, chooseProfile, foundationModelOf, matchesProvider, mapLimit, vendorOf, type ModelRow } from "../../../lib/bedrock/discovery.ts";

const SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const profiles = [
  { id: `global.${SONNET}`, baseModel: SONNET, regions: ["us-east-1", "eu-west-1", "ap-northeast-1"] },
  { id: `us.${SONNET}`, baseModel: SONNET, regions: ["us-east-1", "us-west-2"] },
  { id: `eu.${SONNET}`, baseModel: SONNET, regions: ["eu-west-1", "eu-west-3"] },
  { id: "jp.other-model", baseModel: "other-model", regions: ["ap-northeast-1"] },
];

describe("chooseProfile", () => {
  test("a geographic profile whose models' regions include the region, before global.", () => {
    expect(chooseProfile(SONNET, "us-east-1", profiles)).toBe(`us.${SONNET}`);
    expect(chooseProfile(SONNET, "eu-west-3", profiles)).toBe(`eu.${SONNET}`);
  });
  test("global. when it is the only one that covers the region; nothing when none does", () => {
    expect(chooseProfile(SONNET, "ap-northeast-1", profiles)).toBe(`global.${SONNET}`);
    expect(chooseProfile(SONNET, "sa-east-1", profiles)).toBeUndefined();
    expect(chooseProfile("amazon.nova-micro-v1:0", "us-east-1", profiles)).toBeUndefined();
  });
});

describe("ARNs and ids", () => {
  test("region, foundation model, vendor", () => {
    expect(arnRegion(`arn:aws:bedrock:eu-west-3::foundation-model/${SONNET}`)).toBe("eu-west-3");
    expect(foundationModelOf(`arn:aws:bedrock:eu-west-3::foundation-model/${SONNET}`)).toBe(SONNET);
    expect(foundationModelOf("arn:aws:bedrock:us-east-1:123456789012:custom-model/x")).toBeUndefined();
    expect(vendorOf(`us-gov.${SONNET}`)).toBe("anthropic");
    expect(vendorOf("apac.amazon.nova-lite-v1:0")).toBe("amazon");
  });
});

const row = (over: Partial<ModelRow>): ModelRow => ({
  model: "custom:us-east-1:x", region: "us-east-1", id: "x", kind: "foundation-model", provider: null, name: "x", input_modalities: [], output_modalities: [],
  streaming: null, invocation: "on-demand", profile: null, base_model: null, regions: null, lifecycle: null, end_of_life: null, access: "unknown", ...over,
});

describe("matchesProvider", () => {
  test("provider name, case-insensitive; else the vendor of the model a row points at", () => {
    expect(matchesProvider(row({ provider: "Mistral AI" }), "mistral ai")).toBe(true);
    expect(matchesProvider(row({ provider: null, kind: "provisioned", id: "arn:aws:bedrock:us-east-1:1:provisioned-model/p", base_model: "meta.llama3" }), "META")).toBe(true);
    expect(matchesProvider(row({ provider: null, kind: "imported", id: "arn:aws:bedrock:us-east-1:1:imported-model/m" }), "aws")).toBe(false);
    expect(matchesProvider(row({ provider: "Amazon", id: "amazon.nova" }), "anthropic")).toBe(false);
  });
});

test("accountFromRows reads the account of the first ARN", () => {
  expect(accountFromRows([row({}), row({ id: "arn:aws:bedrock:us-east-1:210987654321:provisioned-model/p" })])).toBe("210987654321");
  expect(accountFromRows([row({})])).toBeUndefined();
});

test("mapLimit keeps order and never runs more than n at once", async () => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
    peak = Math.max(peak, ++running);
    await Bun.sleep(x);
    running--;
    return x * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30]);
  expect(peak).toBe(2);
});
