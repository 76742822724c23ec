// Multi-region failover, end to end from the compiled binaries. Regions are told apart by their real hostnames:
// HTTPS_PROXY is a loopback CONNECT proxy that routes bedrock-runtime.<region>.amazonaws.com to one fake per region,
// behind TLS signed by a test CA (AWS_CA_BUNDLE). No endpoint override, no test-only switch in the binaries.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRegionFleet, type RegionFleet } from "../fakes/region-fleet.ts";
import { bin, fakeEnv, run, tempHome, FAKE_KEY } from "./harness.ts";
import { assertValid, assertValidConversation } from "../schema.ts";
import { startScript, terminal, tmuxPath } from "../helpers/tmux.ts";

const ID = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const EAST = `custom:us-east-1:${ID}`;
const WEST = `custom:us-west-2:${ID}`;
const EU = `custom:eu-west-1:eu.anthropic.claude-3-5-sonnet-20241022-v2:0`;

let fleet: RegionFleet;
let home: string;
let env: Record<string, string>;
let cleanup = () => {};
beforeAll(async () => {
  fleet = await startRegionFleet({ regions: ["us-east-1", "us-west-2", "eu-west-1"] });
});
afterAll(() => fleet.close());
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  fleet.reset();
  env = fakeEnv(home, "unused", { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: undefined, AWS_ENDPOINT_URL_STS: undefined, AWS_ENDPOINT_URL_SSO: undefined, ...fleet.env() });
});
afterEach(() => {
  // nothing may leave the machine: every CONNECT named a fleet host
  expect(fleet.refused).toEqual([]);
  cleanup();
});

const hits = () => Object.fromEntries(Object.values(fleet.regions).map((r) => [r.name, r.hits]));
const chat = (args: string[], o: { env?: Record<string, string>; timeoutMs?: number } = {}) => run(bin("redux-chat"), args, { env: o.env ?? env, timeoutMs: o.timeoutMs });
const convDir = () => join(home, ".amazon-q", "conversations");
const saved = () => {
  const files = existsSync(convDir()) ? readdirSync(convDir()).filter((n) => n.endsWith(".json")) : [];
  expect(files.length).toBe(1);
  const c = JSON.parse(readFileSync(join(convDir(), files[0]!), "utf8"));
  assertValidConversation(c);
  return c;
};
const infoLines = (stderr: string) => stderr.split("\n").filter((l) => l.trim() !== "");

describe("chat: a turn one region cannot serve is answered by the next", () => {
  test("primary down: the fallback answers, signed for its own region; one stderr line says so; the saved turn records it", async () => {
    fleet.setMode("us-east-1", "down");
    const r = await chat(["-m", EAST, "--fallback", WEST, "hello"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hello\n");
    const lines = infoLines(r.stderr);
    expect(lines.length).toBe(1);
    expect(lines[0]).toEndWith(`answered by fallback ${WEST} (${EAST}: unavailable)`);
    const west = fleet.regions["us-west-2"]!.fake.requests;
    expect(west.map((q) => [q.operation, q.region, q.verified, q.headers.host])).toEqual([["ConverseStream", "us-west-2", true, "bedrock-runtime.us-west-2.amazonaws.com"]]);
    const c = saved();
    // the conversation keeps its model: the next turn tries the primary first again
    expect(c).toMatchObject({ model: EAST, region: "us-east-1", status: "complete" });
    expect(c.messages[1]).toMatchObject({ model: WEST, region: "us-west-2", model_id: ID, status: "complete" });
    expect(c.messages[1].failed_attempts).toEqual([{ target: EAST, class: "unavailable", message: expect.stringContaining("cannot reach Bedrock in us-east-1") }]);
    // -q: not a word on stderr
    const q = await chat(["-m", EAST, "--fallback", WEST, "-q", "--no-save", "again"]);
    expect({ code: q.code, out: q.stdout, err: q.stderr }).toEqual({ code: 0, out: "Echo: again\n", err: "" });
  });

  test("--json names the model, region and model id that answered, and the failed attempts", async () => {
    fleet.setMode("us-east-1", "unavailable");
    const r = await chat(["-m", EAST, "--fallback", EU, "--json", "--no-save", "hi"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    assertValid("chat-output.schema.json", j);
    expect(j).toMatchObject({ text: "Echo: hi", model: EU, region: "eu-west-1", model_id: "eu.anthropic.claude-3-5-sonnet-20241022-v2:0", status: "complete" });
    expect(j.failed_attempts).toEqual([{ target: EAST, class: "unavailable", message: expect.stringContaining("ServiceUnavailableException") }]);
    // the SDK's own retries in the primary came first (3 attempts), then one request in eu-west-1
    expect(hits()).toEqual({ "us-east-1": 3, "us-west-2": 0, "eu-west-1": 1 });
    // a healthy primary: no failed attempts, no note
    fleet.reset();
    const ok = await chat(["-m", EAST, "--fallback", EU, "--json", "--no-save", "hi"]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ model: EAST, region: "us-east-1", failed_attempts: [] });
    expect(ok.stderr).toBe("");
  });

  test("throttling after the retries, a stall before the first event, and an in-stream error before any text all move on", async () => {
    fleet.setMode("us-east-1", "throttle");
    let r = await chat(["-m", EAST, "--fallback", WEST, "--json", "--no-save", "a"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: WEST, failed_attempts: [{ target: EAST, class: "unavailable", message: expect.stringContaining("throttled") }] });
    expect(hits()["us-east-1"]).toBe(3);

    fleet.reset();
    fleet.setMode("us-east-1", "stall");
    r = await chat(["-m", EAST, "--fallback", WEST, "--timeout", "1", "--json", "--no-save", "b"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: WEST, failed_attempts: [{ target: EAST, class: "unavailable", message: expect.stringContaining("timed out") }] });

    fleet.reset();
    fleet.setMode("us-east-1", "early-stream-error");
    r = await chat(["-m", EAST, "--fallback", WEST, "c"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: c\n");
    expect(r.stderr).toContain(`answered by fallback ${WEST} (${EAST}: rejected)`);
  });

  test("internal errors, models not ready and model timeouts move on too", async () => {
    for (const mode of ["internal", "not-ready", "model-timeout"] as const) {
      fleet.reset();
      fleet.setMode("us-east-1", mode);
      const r = await chat(["-m", EAST, "--fallback", WEST, "--json", "--no-save", mode]);
      expect([mode, r.code]).toEqual([mode, 0]);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ text: `Echo: ${mode}`, model: WEST, failed_attempts: [{ target: EAST, class: "unavailable" }] });
    }
  });

  test("a stream that fails after text reached stdout is not restarted elsewhere; the partial answer is saved", async () => {
    const primary = "custom:us-east-1:us.anthropic.claude.stream-error";
    const r = await chat(["-m", primary, "--fallback", WEST, "tell me"]);
    expect(r.code).toBe(6);
    expect(r.stdout).toBe("partial answer \n");
    expect(hits()["us-west-2"]).toBe(0);
    expect(r.stderr).toContain("the partial answer was saved");
    const c = saved();
    expect(c.status).toBe("error");
    expect(c.messages[1]).toMatchObject({ content: [{ text: "partial answer " }], status: "error", model: primary, failed_attempts: [] });
  });

  test("every target failed: the last target's exit code, and stderr names each target with its error class", async () => {
    fleet.setMode("us-east-1", "down");
    fleet.setMode("us-west-2", "throttle");
    const last = "custom:eu-west-1:eu.anthropic.claude.not-found";
    const r = await chat(["-m", EAST, "--fallback", WEST, "--fallback", last, "hello"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    const error = r.stderr.split("\n").find((l) => l.startsWith("error:"))!;
    expect(error).toContain(`every target failed: ${EAST} (unavailable), ${WEST} (unavailable), ${last} (access)`);
    expect(r.stderr).toContain("hint:");
    const c = saved();
    expect(c.messages[1]).toMatchObject({ status: "error", model: last, failed_attempts: [{ target: EAST, class: "unavailable" }, { target: WEST, class: "unavailable" }] });
  });

  test("never moved on: access denied, validation, a wrong id in the primary, no credentials", async () => {
    const cases: [string, number][] = [
      ["custom:us-east-1:us.anthropic.claude.access-denied", 4],
      ["custom:us-east-1:anthropic.claude.on-demand", 6],
      ["custom:us-east-1:us.anthropic.claude.not-found", 4],
    ];
    for (const [primary, code] of cases) {
      const r = await chat(["-m", primary, "--fallback", WEST, "--no-save", "x"]);
      expect([primary, r.code, hits()["us-west-2"]]).toEqual([primary, code, 0]);
      expect(r.stderr).not.toContain("every target failed");
    }
    fleet.reset();
    const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = env;
    const r = await chat(["-m", EAST, "--fallback", WEST, "--no-save", "x"], { env: noKeys });
    expect(r.code).toBe(3);
    expect(hits()).toEqual({ "us-east-1": 0, "us-west-2": 0, "eu-west-1": 0 });
  });

  test("Ctrl-C is never a reason to go elsewhere", async () => {
    fleet.setMode("us-east-1", "stall");
    const p = Bun.spawn([bin("redux-chat"), "-m", EAST, "--fallback", WEST, "--no-save", "wait"], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    for (let i = 0; i < 100 && hits()["us-east-1"] === 0; i++) await Bun.sleep(50);
    p.kill("SIGINT");
    expect(await p.exited).toBe(130);
    expect(hits()["us-west-2"]).toBe(0);
  });

  test("fallbacks from AMAZON_Q_FALLBACK_MODELS and chat.fallbackModels, in that precedence after --fallback", async () => {
    fleet.setMode("us-east-1", "down");
    const set = await chat(["settings", "chat.fallbackModels", `${WEST},${EU}`]);
    expect(set.code).toBe(0);
    const answeredBy = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await chat(["-m", EAST, "--json", "--no-save", ...args, "x"], { env: { ...env, ...extra } });
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).model;
    };
    expect(await answeredBy([])).toBe(WEST);
    fleet.setMode("us-west-2", "down");
    expect(await answeredBy([])).toBe(EU);
    fleet.setMode("us-west-2", "up");
    expect(await answeredBy([], { AMAZON_Q_FALLBACK_MODELS: EU })).toBe(EU);
    expect(await answeredBy(["--fallback", WEST], { AMAZON_Q_FALLBACK_MODELS: EU })).toBe(WEST);
    const shown = await chat(["settings", "chat.fallbackModels"]);
    expect(shown.stdout).toBe(`${WEST},${EU}\n`);
  });

  test("a malformed fallback is exit 2 before anything is sent, from any source", async () => {
    const bad: { args: string[]; env: Record<string, string> }[] = [
      { args: ["--fallback", "custom:mars-1:x"], env: {} },
      { args: [], env: { AMAZON_Q_FALLBACK_MODELS: `${WEST},,${EU}` } },
      { args: [], env: { AMAZON_Q_FALLBACK_MODELS: "custom:us-west-2:" } },
    ];
    for (const b of bad) {
      const r = await chat(["-m", EAST, ...b.args, "x"], { env: { ...env, ...b.env } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: .*fallback|AMAZON_Q_FALLBACK_MODELS/m);
    }
    const s = await chat(["settings", "chat.fallbackModels", "custom:us-west-2:a,us.amazon.nova"]);
    expect(s.code).toBe(2);
    // a settings file written by hand is checked too
    mkdirSync(join(home, ".amazon-q"), { recursive: true });
    writeFileSync(join(home, ".amazon-q", "settings.json"), JSON.stringify({ "chat.fallbackModels": "custom:nowhere:x" }));
    const r = await chat(["-m", EAST, "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("chat.fallbackModels");
    expect(hits()).toEqual({ "us-east-1": 0, "us-west-2": 0, "eu-west-1": 0 });
    expect(existsSync(convDir())).toBe(false);
  });

  test("--debug shows each switch", async () => {
    fleet.setMode("us-east-1", "down");
    fleet.setMode("us-west-2", "unavailable");
    const r = await chat(["-m", EAST, "--fallback", WEST, "--fallback", EU, "--no-save", "--debug", "x"]);
    expect(r.code).toBe(0);
    const switches = r.stderr.split("\n").filter((l) => l.includes("failover:"));
    expect(switches.length).toBe(2);
    expect(switches[0]).toContain(`failover: ${EAST} failed (unavailable`);
    expect(switches[0]).toContain(`trying ${WEST}`);
    expect(switches[1]).toContain(`trying ${EU}`);
  });

  test("one client per region, credentials resolved once: an assume-role profile calls STS once for two regions", async () => {
    fleet.setMode("us-east-1", "unavailable");
    mkdirSync(join(home, ".aws"), { recursive: true });
    writeFileSync(join(home, ".aws", "credentials"), `[base]\naws_access_key_id = ${FAKE_KEY.id}\naws_secret_access_key = ${FAKE_KEY.secret}\n`);
    writeFileSync(join(home, ".aws", "config"), "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\nregion = us-east-1\n");
    const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = env;
    const r = await chat(["-m", EAST, "--fallback", WEST, "--profile", "deploy", "--json", "--no-save", "x"], { env: noKeys });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).model).toBe(WEST);
    const sts = Object.values(fleet.regions).flatMap((g) => g.fake.requests.filter((q) => q.service === "sts"));
    expect(sts.map((q) => q.operation)).toEqual(["AssumeRole"]);
    const west = fleet.regions["us-west-2"]!.fake.requests.filter((q) => q.service === "bedrock");
    expect(west.map((q) => [q.accessKeyId, q.region, q.verified])).toEqual([["ASIAFAKEASSUMEROLE01", "us-west-2", true]]);
  });
});

describe("batch: one region dead", () => {
  const writeInput = (n: number) => writeFileSync(join(home, "in.txt"), Array.from({ length: n }, (_, i) => `prompt ${i}`).join("\n"));
  const lines = (file = "out.jsonl") => readFileSync(join(home, file), "utf8").trim().split("\n").map((l) => JSON.parse(l));

  test("every item ok from the fallback; the dead region is tried about one wave, not once per item; the summary counts each target", async () => {
    fleet.setMode("us-east-1", "down");
    writeInput(200);
    const r = await chat(["batch", "in.txt", "-o", "out.jsonl", "-m", EAST, "--fallback", WEST, "--concurrency", "8"], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const out = lines();
    expect(out.length).toBe(200);
    for (const l of out) assertValid("batch-output.schema.json", l);
    expect(out.every((l) => l.status === "ok" && l.model === WEST && l.region === "us-west-2" && l.model_id === ID)).toBe(true);
    const tried = out.filter((l) => l.failed_attempts.length);
    expect(tried.length).toBeGreaterThan(0);
    expect(tried[0].failed_attempts).toEqual([{ target: EAST, class: "unavailable", message: expect.stringContaining("us-east-1") }]);
    // the first wave (the concurrency) found it dead; every later item went straight to the fallback. About one wave:
    // 8 to 10 on an idle machine; on one loaded to 8+ on 2 cores, 16 (two waves) was seen once, never more
    expect(hits()["us-east-1"]).toBeGreaterThanOrEqual(1);
    expect(hits()["us-east-1"]).toBeLessThanOrEqual(2 * 8);
    expect(hits()["us-west-2"]).toBe(200);
    expect(r.stderr).toContain(`batch: answered by ${EAST} 0, ${WEST} 200`);
    expect(r.stderr.split("\n").filter((l) => l.includes("answered by fallback")).length).toBe(1);
    // -q: nothing on stderr
    fleet.reset();
    fleet.setMode("us-east-1", "down");
    writeInput(20);
    const q = await chat(["batch", "in.txt", "-o", "out2.jsonl", "-m", EAST, "--fallback", WEST, "-q"], { timeoutMs: 60_000 });
    expect({ code: q.code, err: q.stderr }).toEqual({ code: 0, err: "" });
  }, 60_000);

  test("after the cool-down one item probes the dead region, and each failed probe doubles the cool-down", async () => {
    fleet.setMode("us-east-1", "down");
    writeInput(64);
    // 64 items of 100 ms, 4 at a time: about 1.6 s. Cool-downs of 0.2, 0.4, 0.8 s put probes near 0.2, 0.6 and 1.4 s;
    // without the doubling there would be about 7
    const slow = "us.anthropic.claude.delay-100ms";
    const t0 = Date.now();
    const r = await chat(["batch", "in.txt", "-o", "out.jsonl", "-m", `custom:us-east-1:${slow}`, "--fallback", `custom:us-west-2:${slow}`, "--concurrency", "4"], { env: { ...env, REDUX_FAILOVER_COOLDOWN: "0.2" }, timeoutMs: 60_000 });
    const secs = (Date.now() - t0) / 1000;
    expect(r.code).toBe(0);
    expect(lines().every((l) => l.status === "ok")).toBe(true);
    // the items that tried the dead region: the first wave (4), then one probe per cool-down
    const tried = lines().filter((l) => l.failed_attempts.length).length;
    const probes = tried - 4;
    expect(probes).toBeGreaterThanOrEqual(1);
    // doubling from 0.2 s: at most log2(secs / 0.2) + 1 probes in a run of `secs`
    expect(probes).toBeLessThanOrEqual(Math.ceil(Math.log2(secs / 0.2)) + 1);
    // an item of the first wave may try it once more before three failures in a row open it (one more was seen on a
    // heavily loaded machine)
    expect(hits()["us-east-1"]).toBeGreaterThanOrEqual(tried);
    expect(hits()["us-east-1"]).toBeLessThanOrEqual(tried + 4);
    const bad = await chat(["batch", "in.txt", "-o", "out2.jsonl", "-m", EAST], { env: { ...env, REDUX_FAILOVER_COOLDOWN: "soon" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("REDUX_FAILOVER_COOLDOWN");
  });

  test("items with their own model fail over too; a healthy primary answers everything itself", async () => {
    writeFileSync(join(home, "in.jsonl"), [
      JSON.stringify({ id: "a", prompt: "one" }),
      JSON.stringify({ id: "b", prompt: "two", model: `custom:eu-west-1:${ID}` }),
    ].join("\n"));
    fleet.setMode("eu-west-1", "unavailable");
    const r = await chat(["batch", "in.jsonl", "-o", "out.jsonl", "-m", EAST, "--fallback", WEST]);
    expect(r.code).toBe(0);
    const byId = Object.fromEntries(lines().map((l) => [l.id, l]));
    expect(byId.a).toMatchObject({ status: "ok", model: EAST, region: "us-east-1", failed_attempts: [] });
    expect(byId.b).toMatchObject({ status: "ok", model: WEST, failed_attempts: [{ target: `custom:eu-west-1:${ID}`, class: "unavailable" }] });
    expect(r.stderr).toContain(`batch: answered by ${EAST} 1, ${WEST} 1`);
  });

  test("every target failed: each line names the last target and the ones before it; exit 7", async () => {
    fleet.setMode("us-east-1", "down");
    fleet.setMode("us-west-2", "down");
    writeInput(5);
    const r = await chat(["batch", "in.txt", "-o", "out.jsonl", "-m", EAST, "--fallback", WEST, "--max-attempts", "2"]);
    expect(r.code).toBe(7);
    const out = lines();
    expect(out.length).toBe(5);
    for (const l of out) {
      assertValid("batch-output.schema.json", l);
      expect(l).toMatchObject({ status: "error", model: WEST, region: "us-west-2", error: { class: "unavailable" } });
      expect(l.failed_attempts.map((f: { target: string }) => f.target)).toEqual([EAST]);
      expect(l.error.message).toContain(`every target failed: ${EAST} (unavailable), ${WEST} (unavailable)`);
    }
  });

  test("a malformed fallback is exit 2 before anything is sent, and OUT is not touched", async () => {
    writeInput(3);
    const r = await chat(["batch", "in.txt", "-o", "out.jsonl", "-m", EAST, "--fallback", "custom:us-west-2:"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--fallback");
    expect(existsSync(join(home, "out.jsonl"))).toBe(false);
    const e = await chat(["batch", "in.txt", "-o", "out.jsonl", "-m", EAST], { env: { ...env, AMAZON_Q_FALLBACK_MODELS: "nope" } });
    expect(e.code).toBe(2);
    expect(hits()).toEqual({ "us-east-1": 0, "us-west-2": 0, "eu-west-1": 0 });
  });
});

describe("redux-test-model with fallbacks", () => {
  const smoke = (args: string[], extra: Record<string, string> = {}) => run(bin("redux-test-model"), args, { env: { ...env, ...extra } });

  test("checks every target and says which ones work", async () => {
    fleet.setMode("us-west-2", "down");
    const r = await smoke(["-m", EAST, "--fallback", WEST, "--fallback", EU, "--json"]);
    const j = JSON.parse(r.stdout);
    assertValid("test-model-output.schema.json", j);
    expect(r.code).toBe(5);
    expect(j.targets.map((t: { model: string; region: string; ok: boolean; error?: string }) => [t.model, t.region, t.ok, t.error ?? null])).toEqual([
      [EAST, "us-east-1", true, null],
      [WEST, "us-west-2", false, "unavailable"],
      [EU, "eu-west-1", true, null],
    ]);
    const invokes = j.checks.filter((c: { name: string }) => c.name === "invoke");
    expect(invokes.map((c: { target: string; ok: boolean }) => [c.target, c.ok])).toEqual([[EAST, true], [WEST, false], [EU, true]]);
    expect(j.checks[0].detail).toContain(`fallbacks ${WEST}, ${EU} (from --fallback)`);
    // every region was called once, signed for itself (the down one: a reset connection, retried once)
    expect(fleet.regions["eu-west-1"]!.fake.requests.filter((q) => q.service === "bedrock").map((q) => [q.operation, q.region])).toEqual([["Converse", "eu-west-1"]]);

    // as lines: one invoke line per target, marked
    fleet.reset();
    fleet.setMode("eu-west-1", "unavailable");
    const t = await smoke(["-m", EAST], { AMAZON_Q_FALLBACK_MODELS: `${WEST},${EU}` });
    expect(t.code).toBe(5);
    const lines = t.stdout.split("\n").filter((l) => /invoke/.test(l));
    expect(lines.length).toBe(3);
    expect(lines[0]).toMatch(new RegExp(`^✔ invoke +${EAST.replace(/[.:]/g, "\\$&")}: answered in`));
    expect(lines[1]).toContain(`✔ invoke       fallback ${WEST}: answered in`);
    expect(lines[2]).toContain(`✖ invoke       fallback ${EU}: Bedrock is unavailable in eu-west-1`);
  });

  test("all targets work: exit 0; a malformed fallback: exit 2 and nothing is sent", async () => {
    const ok = await smoke(["-m", EAST, "--fallback", WEST]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split("\n").filter((l) => l.startsWith("✔ invoke")).length).toBe(2);
    fleet.reset();
    const bad = await smoke(["-m", EAST, "--fallback", "custom:us-west-2:", "--json"]);
    expect(bad.code).toBe(2);
    const j = JSON.parse(bad.stdout);
    expect(j.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([["model", false], ["credentials", false], ["identity", false], ["invoke", false]]);
    expect(j.checks[0].detail).toContain("invalid fallback model");
    const sent = Object.values(fleet.regions).flatMap((g) => g.fake.requests);
    expect(sent).toEqual([]);
    expect(hits()).toEqual({ "us-east-1": 0, "us-west-2": 0, "eu-west-1": 0 });
  });
});

// the REPL, in a real terminal (tmux): within one process a target that just failed is skipped on the next turns
if (!tmuxPath) console.warn("SKIPPED: tmux is not installed (apt-get install tmux); the REPL failover test did not run");
describe.skipIf(!tmuxPath)("REPL: a target that just failed is skipped for its cool-down", () => {
  const socket = `redux-failover-${process.pid}`;
  const { tmux, type, keys, waitFor, open } = terminal(socket, "repl");
  afterEach(() => void tmux("kill-server"));

  test("the first turn finds the primary dead and is answered by the fallback; the next turn goes straight there", async () => {
    fleet.setMode("us-east-1", "down");
    const script = startScript(home, { ...env, TERM: "xterm-256color" }, bin("redux-chat"), ["-m", EAST, "--fallback", WEST, "--debug"], { shell: `2>>${JSON.stringify(join(home, "stderr.log"))}` });
    open(script, 200, 50);
    await waitFor(() => existsSync(join(home, "stderr.log")) && readFileSync(join(home, "stderr.log"), "utf8").includes("/help for commands"), "the banner");
    type("first");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: first"), "the first answer");
    const deadAfterFirst = hits()["us-east-1"];
    expect(deadAfterFirst).toBeGreaterThanOrEqual(1);
    type("second");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: second"), "the second answer");
    keys("C-d");
    await waitFor((s) => s.includes("[exit 0]"), "a clean exit");
    // the dead region saw nothing more; the fallback answered both turns
    expect(hits()["us-east-1"]).toBe(deadAfterFirst);
    expect(hits()["us-west-2"]).toBe(2);
    const log = readFileSync(join(home, "stderr.log"), "utf8");
    expect(log).toMatch(new RegExp(`failover: skipping ${EAST.replace(/[.:]/g, "\\$&")}: cooling down for (29|30) s after unavailable`));
    expect(log.split("\n").filter((l) => l.includes("answered by fallback")).length).toBe(2);
    const c = saved();
    expect(c.messages.filter((m: { role: string }) => m.role === "assistant").map((m: { model: string; failed_attempts: unknown[] }) => [m.model, m.failed_attempts.length])).toEqual([[WEST, 1], [WEST, 0]]);
  });
});
