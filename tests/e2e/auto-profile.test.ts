// The automatic inference profile and the LEGACY warning, from the compiled redux-chat against the fake: a bare id
// Bedrock refuses for on-demand throughput is retried once through the profile ListInferenceProfiles names for the
// region (models[].modelArn), said on stderr with the id to use next time, and the saved conversation records the id
// actually called; --no-auto-profile and chat.autoProfile=false turn it off; a profile id or an ARN the user gave is
// never rewritten. A LEGACY model gets one warning with its end-of-life date, from a cached lookup.
import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { bin, run, withFakeAws, type FakeAwsContext } from "./harness.ts";
import { assertValidConversation } from "../schema.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const chat = (args: string[], extra: Record<string, string | undefined> = {}) => {
  const env = Object.fromEntries(Object.entries({ ...ctx.env, ...extra }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return run(bin("redux-chat"), args, { env });
};
const runtime = () => ctx.fake.requests.filter((q) => q.service === "bedrock").map((q) => `${q.status} ${q.modelId}`);
const control = (op: string) => ctx.fake.requests.filter((q) => q.service === "bedrock-control" && q.operation === op);
const saved = () => {
  const dir = join(ctx.home, ".amazon-q", "conversations");
  const files = readdirSync(dir).filter((n) => n.endsWith(".json"));
  expect(files).toHaveLength(1);
  const c = JSON.parse(readFileSync(join(dir, files[0]!), "utf8"));
  assertValidConversation(c);
  return c;
};

describe("automatic inference profile", () => {
  test("a profile-only model answers through its geographic profile; one stderr line; the conversation records the profile", async () => {
    const r = await chat(["-m", `custom:us-east-1:${SONNET}`, "hello"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hello\n");
    expect(r.stderr).toBe(
      `${SONNET} cannot be called on demand in us-east-1; retrying through the inference profile us.${SONNET} (next time: -m custom:us-east-1:us.${SONNET})\n`,
    );
    expect(runtime()).toEqual([`400 ${SONNET}`, `200 us.${SONNET}`]);
    expect(control("ListInferenceProfiles").length).toBeGreaterThan(0);
    const c = saved();
    expect(c).toMatchObject({ model: `custom:us-east-1:us.${SONNET}`, model_id: `us.${SONNET}`, status: "complete" });
    expect(c.messages[1]).toMatchObject({ model: `custom:us-east-1:us.${SONNET}`, model_id: `us.${SONNET}`, status: "complete" });
    // the next turn goes straight to the profile
    ctx.fake.reset();
    const next = await chat(["-c", "again"]);
    expect(next.code).toBe(0);
    expect(next.stderr).toBe("");
    expect(runtime()).toEqual([`200 us.${SONNET}`]);
  });

  test("the profile follows the region (eu. in Ireland, apac. in Tokyo) and --json names the id called", async () => {
    const eu = await chat(["-m", `custom:eu-west-1:${SONNET}`, "--no-save", "--json", "hi"]);
    expect(eu.code).toBe(0);
    expect(JSON.parse(eu.stdout)).toMatchObject({ model: `custom:eu-west-1:eu.${SONNET}`, model_id: `eu.${SONNET}`, region: "eu-west-1", status: "complete" });
    const ap = await chat(["-m", `custom:ap-northeast-1:${SONNET}`, "--no-save", "--json", "hi"]);
    expect(JSON.parse(ap.stdout).model_id).toBe(`apac.${SONNET}`);
  });

  test("chosen from ListInferenceProfiles, not from a prefix table: a jp. profile when that is what covers the region", async () => {
    ctx.fake.controlPlane.state.profiles = [
      { inferenceProfileId: `jp.${SONNET}`, inferenceProfileName: "JP Sonnet", type: "SYSTEM_DEFINED", modelId: SONNET, regions: ["ap-northeast-1", "ap-northeast-3"] },
      { inferenceProfileId: `apac.${SONNET}`, inferenceProfileName: "APAC Sonnet", type: "SYSTEM_DEFINED", modelId: SONNET, regions: ["ap-southeast-2"] },
    ];
    const r = await chat(["-m", `custom:ap-northeast-1:${SONNET}`, "--no-save", "--json", "hi"]);
    expect(JSON.parse(r.stdout).model_id).toBe(`jp.${SONNET}`);
    // and none at all: Bedrock's own refusal, exit 6, with a hint
    ctx.fake.controlPlane.state.profiles = [];
    const none = await chat(["-m", `custom:us-east-1:${SONNET}`, "--no-save", "hi"]);
    expect(none.code).toBe(6);
    expect(none.stderr).toMatch(/^error: .*cannot be called on demand/m);
  });

  test("after `redux-chat models` the profile comes from the cache: no listing at chat time", async () => {
    expect((await chat(["models", "--json"])).code).toBe(0);
    ctx.fake.reset();
    const r = await chat(["-m", `custom:us-east-1:${SONNET}`, "--no-save", "hi"]);
    expect(r.code).toBe(0);
    expect(control("ListInferenceProfiles")).toHaveLength(0);
    expect(runtime()).toEqual([`400 ${SONNET}`, `200 us.${SONNET}`]);
  });

  test("--no-auto-profile and chat.autoProfile=false leave the refusal as it is (exit 6, one request)", async () => {
    const r = await chat(["-m", `custom:us-east-1:${SONNET}`, "--no-auto-profile", "--no-save", "hi"]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`hint: use the inference profile id instead: custom:us-east-1:us.${SONNET}`);
    expect(runtime()).toEqual([`400 ${SONNET}`]);
    expect((await chat(["settings", "chat.autoProfile", "false"])).code).toBe(0);
    ctx.fake.reset();
    expect((await chat(["-m", `custom:us-east-1:${SONNET}`, "--no-save", "hi"])).code).toBe(6);
    expect(runtime()).toEqual([`400 ${SONNET}`]);
    expect(control("ListInferenceProfiles")).toHaveLength(0);
    expect((await chat(["settings", "chat.autoProfile", "maybe"])).code).toBe(2);
  });

  test("a profile id or an ARN the user gave is never rewritten", async () => {
    for (const id of [`us.${SONNET}.on-demand`, `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${SONNET}.on-demand`]) {
      ctx.fake.reset();
      const r = await chat(["-m", `custom:us-east-1:${id}`, "--no-save", "hi"]);
      expect({ id, code: r.code }).toEqual({ id, code: 6 });
      expect(runtime()).toEqual([`400 ${id}`]);
      expect(control("ListInferenceProfiles")).toHaveLength(0);
    }
  });
});

describe("LEGACY models", () => {
  const LEGACY = "custom:us-east-1:anthropic.claude-3-sonnet-20240229-v1:0";
  const warning = `warning: ${LEGACY} is a LEGACY model: end of life 2027-03-01; move to a newer one (redux-chat models lists them)\n`;

  test("one warning with the end-of-life date; looked up once, then from the cache", async () => {
    const r = await chat(["-m", LEGACY, "--no-save", "hi"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hi\n");
    expect(r.stderr).toBe(warning);
    expect(control("GetFoundationModel")).toHaveLength(1);
    const again = await chat(["-m", LEGACY, "--no-save", "hi"]);
    expect(again.stderr).toBe(warning);
    expect(control("GetFoundationModel")).toHaveLength(1);
    // an active model: no warning, and no second lookup either
    for (let i = 0; i < 2; i++) expect((await chat(["-m", "custom:us-east-1:amazon.nova-micro-v1:0", "--no-save", "hi"])).stderr).toBe("");
    expect(control("GetFoundationModel")).toHaveLength(2);
    // a profile id stands for its model
    ctx.fake.reset();
    ctx.fake.controlPlane.state.models.find((m) => m.modelId === SONNET)!.lifecycle = { status: "LEGACY", endOfLifeTime: "2027-06-30T00:00:00Z" };
    const p = await chat(["-m", `custom:us-east-1:us.${SONNET}`, "--no-save", "hi"]);
    expect(p.stderr).toContain(`warning: custom:us-east-1:us.${SONNET} is a LEGACY model: end of life 2027-06-30`);
    expect(control("GetFoundationModel").map((q) => q.body)).toHaveLength(1);
  });

  test("no lookup where the runtime was pointed somewhere and the control plane was not (it would go to public AWS)", async () => {
    const r = await chat(["-m", LEGACY, "--no-save", "--debug", "hi"], { AWS_ENDPOINT_URL_BEDROCK: undefined });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("lifecycle lookup skipped");
    const flag = await chat(["-m", LEGACY, "--no-save", "--endpoint-url", ctx.fake.url, "hi"], { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: undefined, AWS_ENDPOINT_URL_BEDROCK: undefined });
    expect(flag.code).toBe(0);
    expect(ctx.fake.requests.filter((q) => q.service !== "bedrock")).toEqual([]);
  });

  test("known from `redux-chat models`: no lookup at chat time; -q keeps it quiet", async () => {
    expect((await chat(["models", "--json"])).code).toBe(0);
    ctx.fake.reset();
    expect((await chat(["-m", LEGACY, "--no-save", "hi"])).stderr).toBe(warning);
    expect((await chat(["-m", LEGACY, "--no-save", "-q", "hi"])).stderr).toBe("");
    expect(control("GetFoundationModel")).toHaveLength(0);
  });
});
