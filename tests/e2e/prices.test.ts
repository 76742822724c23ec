// redux-chat prices and prices --refresh, end to end: the compiled binary reads the AWS Price List offer files from
// the loopback fake (fixtures in the bulk-file shape) and rewrites ~/.amazon-q/prices.json, or leaves it alone.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";
import { assertValid } from "../schema.ts";

let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const chat = (args: string[]) => run(bin("redux-chat"), args, { env });
const pricesFile = () => join(home, ".amazon-q", "prices.json");
const refresh = (...extra: string[]) => chat(["prices", "--refresh", "--source", fake.url, "--region", "us-east-1,us-west-2", ...extra]);
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const standard = (rows: { tier: string }[]) => rows.filter((e) => e.tier === "standard");
const lookup = async (id: string, region = "us-east-1") => JSON.parse((await chat(["prices", "--model", id, "--region", region, "--json"])).stdout);

describe("prices", () => {
  test("lists the built-in table; --model picks an exact id; --json is valid against the schema", async () => {
    const all = await chat(["prices", "--json"]);
    expect(all.code).toBe(0);
    const rows = JSON.parse(all.stdout);
    assertValid("prices.schema.json", rows);
    expect(rows.length).toBeGreaterThan(20);
    const one = await chat(["prices", "-m", `custom:us-east-1:global.${SONNET}`, "--json"]);
    expect(JSON.parse(one.stdout)).toEqual([
      { model_id: `global.${SONNET}`, region: "us-east-1", tier: "batch", input: 1.5, output: 7.5, cache_read: null, cache_write: null, source: expect.stringContaining("built-in"), date: expect.any(String) },
      { model_id: `global.${SONNET}`, region: "us-east-1", tier: "standard", input: 3, output: 15, cache_read: 0.3, cache_write: 3.75, source: expect.stringContaining("built-in"), date: expect.any(String) },
    ]);
    const tsv = await chat(["prices", "--model", "amazon.nova-pro-v1:0", "--region", "us-east-1"]);
    expect(tsv.stdout.trim().split("\n").map((l) => l.split("\t").slice(0, 5))).toEqual([
      ["amazon.nova-pro-v1:0", "us-east-1", "batch", "0.4", "1.6"],
      ["amazon.nova-pro-v1:0", "us-east-1", "standard", "0.8", "3.2"],
    ]);
  });

  test("an unknown model: no rows, and says its cost is unknown (exit 0); a bad region is exit 2", async () => {
    const r = await chat(["prices", "--model", "anthropic.claude-sonnet-4-5", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toContain("no price is known for anthropic.claude-sonnet-4-5");
    expect((await chat(["prices", "--region", "mars-1"])).code).toBe(2);
  });
});

describe("prices --refresh", () => {
  test("reads both offers per region, writes prices.json 0600 (atomically), and the new prices apply", async () => {
    const r = await refresh("--json");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    assertValid("prices-refresh.schema.json", s);
    expect(s.files.map((f: { offer: string; region: string }) => `${f.offer} ${f.region}`).sort()).toEqual(["AmazonBedrock us-east-1", "AmazonBedrock us-west-2", "AmazonBedrockFoundationModels us-east-1"]);
    expect(fake.offers.requests).toContain("/offers/v1.0/aws/AmazonBedrockFoundationModels/current/region_index.json");
    expect(fake.offers.requests).toContain("/offers/v1.0/aws/AmazonBedrock/20261101000000/us-west-2/index.json");
    expect(statSync(pricesFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, ".amazon-q")).mode & 0o777).toBe(0o700);
    const file = JSON.parse(readFileSync(pricesFile(), "utf8"));
    assertValid("prices.schema.json", file);
    expect(file.source_url).toBe(fake.url);
    // names absent from the fixtures are reported, never matched to a look-alike
    expect(s.missing).toContain("Claude Opus 4.1 (Amazon Bedrock Edition)");
    expect(file.entries.some((e: { input: number }) => e.input === 99)).toBe(false);
    expect(standard(await lookup(`global.${SONNET}`))).toEqual([expect.objectContaining({ input: 3, output: 15, source: "AWS Price List AmazonBedrockFoundationModels 20261101000000 us-east-1", date: "2026-11-01" })]);
    // the batch tier is read from the offer's batch rows
    expect((await lookup(SONNET)).find((e: { tier: string }) => e.tier === "batch")).toMatchObject({ input: 1.65, output: 8.25 });
    expect(r.stderr).toContain("prices:");
  });

  test("a changed price is picked up; a model missing from the offer keeps its previous price", async () => {
    expect((await refresh()).code).toBe(0);
    fake.offers.publish("AmazonBedrockFoundationModels", "20261201000000", "2026-12-01T00:00:00Z");
    fake.offers.setPrice("AmazonBedrockFoundationModels", "us-east-1", "USE1-MP:USE1_InputTokenCount_Global-Units", "2.5000000000");
    fake.offers.removeModel("AmazonBedrockFoundationModels", "us-east-1", "Claude 3.5 Haiku (Amazon Bedrock Edition)");
    const r = await refresh("--json");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.changed).toBeGreaterThan(0);
    expect(s.kept).toBeGreaterThan(0);
    expect(s.missing).toContain("Claude 3.5 Haiku (Amazon Bedrock Edition)");
    expect(standard(await lookup(`global.${SONNET}`))).toEqual([expect.objectContaining({ input: 2.5, source: "AWS Price List AmazonBedrockFoundationModels 20261201000000 us-east-1", date: "2026-12-01" })]);
    // still the price the first refresh read (from the November offer), not a similar model's
    const haiku = (await lookup("us.anthropic.claude-3-5-haiku-20241022-v1:0")).find((e: { tier: string }) => e.tier === "standard");
    expect(haiku).toMatchObject({ input: 0.8, output: 4, source: expect.stringContaining("20261101000000") });
    expect(r.stderr).toContain("Claude 3.5 Haiku");
  });

  test("a truncated download fails the refresh (non-zero) and leaves the previous table exactly as it was", async () => {
    expect((await refresh()).code).toBe(0);
    const before = readFileSync(pricesFile(), "utf8");
    fake.offers.setPrice("AmazonBedrock", "us-west-2", "USW2-NovaPro-input-tokens", "0.0100000000");
    fake.offers.truncate("AmazonBedrock", "us-west-2");
    const r = await refresh();
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/error: .*(cut off|not complete JSON|cannot download)/);
    expect(r.stderr).toContain("previous prices were kept");
    expect(readFileSync(pricesFile(), "utf8")).toBe(before);
  });

  test("without a previous file a failed refresh writes nothing; a bad --source is exit 2", async () => {
    fake.offers.truncate("AmazonBedrockFoundationModels", "us-east-1");
    expect((await refresh()).code).toBe(5);
    expect(existsSync(pricesFile())).toBe(false);
    expect((await chat(["prices", "--refresh", "--source", "ftp://x"])).code).toBe(2);
    expect((await chat(["prices", "--source", fake.url])).code).toBe(2);
  });

  test("a refresh that cannot write its file: one error line with a hint and the file-system exit code, never an internal error", async () => {
    // ~/.amazon-q is a file, not a directory: the write fails whatever the user's permissions (tests may run as root)
    writeFileSync(join(home, ".amazon-q"), "not a directory");
    const r = await refresh();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot write .*prices\.json: /m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toContain("internal error");
    expect(readFileSync(join(home, ".amazon-q"), "utf8")).toBe("not a directory");
  });

  test("an HTTPS mirror signed by the CA in AWS_CA_BUNDLE is trusted, as the AWS calls trust it; without it, exit 5", async () => {
    const { startTlsFront } = await import("../fakes/tls-front.ts");
    const tls = await startTlsFront(fake.url);
    try {
      const args = ["prices", "--refresh", "--source", tls.url, "--region", "us-east-1"];
      const untrusted = await run(bin("redux-chat"), args, { env });
      expect(untrusted.code).toBe(5);
      expect(existsSync(pricesFile())).toBe(false);
      const r = await run(bin("redux-chat"), args, { env: { ...env, AWS_CA_BUNDLE: tls.caPath } });
      expect(r.code).toBe(0);
      expect(existsSync(pricesFile())).toBe(true);
    } finally {
      await tls.close();
    }
  });

  test("downloads go through HTTP_PROXY like the AWS calls", async () => {
    const { startForwardProxy } = await import("../fakes/forward-proxy.ts");
    const proxy = await startForwardProxy();
    try {
      const r = await run(bin("redux-chat"), ["prices", "--refresh", "--source", fake.url, "--region", "us-east-1"], { env: { ...env, HTTP_PROXY: proxy.url } });
      expect(r.code).toBe(0);
      expect(proxy.seen.map((x) => x.target)).toContain(`${fake.url}/offers/v1.0/aws/AmazonBedrock/current/region_index.json`);
    } finally {
      await proxy.close();
    }
  });

  test("a damaged prices.json is reported and the built-in prices apply", async () => {
    mkdirSync(join(home, ".amazon-q"), { recursive: true });
    writeFileSync(pricesFile(), "{not json", { mode: 0o600 });
    const r = await chat(["prices", "--model", `global.${SONNET}`, "--region", "us-east-1", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].source).toContain("built-in");
    expect(r.stderr).toContain("not usable");
  });
});
