// `redux-chat batch` and the automatic inference profile, from the compiled binary against the fake: items whose bare
// model id Bedrock refuses for on-demand throughput are answered through the profile ListInferenceProfiles names
// (looked up once for the whole run; later items go straight to it), each line records the id actually called, the
// switch is said once on stderr, and --no-auto-profile leaves the refusals as failed items.
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, run, withFakeAws, type FakeAwsContext } from "./harness.ts";
import { assertValid } from "../schema.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0";
const batch = (args: string[]) => {
  const input = join(ctx.home, "in.txt");
  writeFileSync(input, "one\ntwo\nthree\nfour\nfive\nsix\n");
  return run(bin("redux-chat"), ["batch", input, "-o", join(ctx.home, "out.jsonl"), "-m", `custom:us-east-1:${SONNET}`, "--concurrency", "2", ...args], { env: ctx.env });
};
const lines = () => readFileSync(join(ctx.home, "out.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const runtime = (status: number) => ctx.fake.requests.filter((q) => q.service === "bedrock" && q.status === status).map((q) => q.modelId);

describe("batch: automatic inference profile", () => {
  test("every item answered through the profile, one lookup for the run, one stderr line, the id called on each line", async () => {
    const r = await batch(["-q"]);
    expect(r.code).toBe(0);
    const out = lines();
    expect(out).toHaveLength(6);
    for (const l of out) {
      assertValid("batch-output.schema.json", l);
      expect(l).toMatchObject({ status: "ok", model: `custom:us-east-1:us.${SONNET}`, model_id: `us.${SONNET}` });
    }
    // at most the first wave (the concurrency) was refused; everything after went straight to the profile
    expect(runtime(400).length).toBeLessThanOrEqual(2);
    expect(runtime(200)).toEqual(Array(6).fill(`us.${SONNET}`));
    // one listing (two pages of system-defined profiles) for the whole run
    expect(ctx.fake.requests.filter((q) => q.operation === "ListInferenceProfiles")).toHaveLength(2);
  });

  test("the switch is said once on stderr; --no-auto-profile leaves the refusals as failed items (exit 7)", async () => {
    const r = await batch([]);
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l.includes(`${SONNET} cannot be called on demand in us-east-1; items go through the inference profile us.${SONNET}`))).toHaveLength(1);
    ctx.fake.reset();
    writeFileSync(join(ctx.home, "out.jsonl"), "");
    const off = await batch(["--no-auto-profile", "-q"]);
    expect(off.code).toBe(7);
    expect(lines().every((l) => l.status === "error" && l.error.class === "rejected" && l.model_id === SONNET)).toBe(true);
    expect(ctx.fake.requests.filter((q) => q.operation === "ListInferenceProfiles")).toHaveLength(0);
  });
});
