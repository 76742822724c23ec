// redux-chat one-shot, end to end: the compiled binary, the real SDK inside it, and the loopback Bedrock.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws, FAKE_KEY } from "./harness.ts";
import { assertValidConversation } from "../schema.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const chat = (args: string[], o: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}) =>
  run(bin("redux-chat"), args, { env: o.env ?? env, stdin: o.stdin, timeoutMs: o.timeoutMs });
const convDir = () => join(home, ".amazon-q", "conversations");
const savedFiles = () => (existsSync(convDir()) ? readdirSync(convDir()).filter((n) => n.endsWith(".json")) : []);
const saved = () => {
  const files = savedFiles();
  expect(files.length).toBe(1);
  return JSON.parse(readFileSync(join(convDir(), files[0]!), "utf8"));
};

describe("one-shot prompt", () => {
  test("streams the answer to stdout, signs with SigV4 over HTTP/2, and saves the conversation", async () => {
    const r = await chat(["-m", MODEL, "hello there"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hello there\n");
    const req = fake.requests.find((q) => q.operation === "ConverseStream")!;
    expect(req).toMatchObject({ service: "bedrock", auth: "sigv4", accessKeyId: FAKE_KEY.id, verified: true, region: "us-east-1", signingService: "bedrock", httpVersion: "2.0" });
    expect(req.modelId).toBe("us.anthropic.claude-3-5-sonnet-20241022-v2:0");

    const files = savedFiles();
    expect(files[0]).toMatch(/^[0-9a-f-]{36}_\d{8}T\d{6}Z\.json$/);
    expect(statSync(convDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(convDir(), files[0]!)).mode & 0o777).toBe(0o600);
    const c = saved();
    assertValidConversation(c);
    expect(c).toMatchObject({ version: 1, model: MODEL, region: "us-east-1", model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", status: "complete" });
    expect(c.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"]);
    expect(c.messages[0].content).toEqual([{ text: "hello there" }]);
    expect(c.messages[1]).toMatchObject({ content: [{ text: "Echo: hello there" }], stop_reason: "end_turn", status: "complete" });
    expect(c.messages[1].usage.total_tokens).toBeGreaterThan(0);
    expect(c.usage).toEqual(c.messages[1].usage);
    expect(files[0]!.startsWith(c.conversation_id)).toBe(true);
  });

  test("stdin comes first, then the words", async () => {
    const r = await chat(["-m", MODEL, "--no-save", "summarise"], { stdin: "some piped text\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: some piped text\n\nsummarise\n");
    expect(savedFiles()).toEqual([]);
  });

  test("no prompt, no stdin and no TTY: exit 2 at once, nothing sent", async () => {
    const r = await chat(["-m", MODEL], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no prompt");
    expect(r.stderr).toContain("hint:");
    expect(fake.requests.length).toBe(0);
  });

  test("--json prints one object with the documented fields", async () => {
    const r = await chat(["-m", MODEL, "--json", "hi"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["conversation_id", "failed_attempts", "latency_ms", "model", "model_id", "path", "reasoning", "region", "status", "stop_reason", "text", "usage", "cost"].sort());
    expect(out).toMatchObject({ text: "Echo: hi", model: MODEL, region: "us-east-1", stop_reason: "end_turn", status: "complete" });
    expect(out.usage).toEqual({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number), cache_read_input_tokens: 0, cache_write_input_tokens: 0 });
    expect(out.path).toBe(join(convDir(), savedFiles()[0]!));
  });

  test("inference flags go into the request", async () => {
    const r = await chat(["-m", MODEL, "-s", "be brief", "--temperature", "0.3", "--top-p", "0.8", "--max-tokens", "3", "--stop", "END", "--stop", "STOP", "one two three four five"]);
    expect(r.code).toBe(0);
    const body = fake.requests.filter((q) => q.service === "bedrock")[0]!.body;
    expect(body.system).toEqual([{ text: "be brief" }]);
    expect(body.inferenceConfig).toEqual({ maxTokens: 3, temperature: 0.3, topP: 0.8, stopSequences: ["END", "STOP"] });
    expect(saved().messages[1].stop_reason).toBe("max_tokens");
  });

  test("a bare model id takes its region from AWS_REGION; an ARN keeps its : and /", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    const r = await chat(["-m", arn, "--no-save", "x"]);
    expect(r.code).toBe(0);
    expect(fake.requests.filter((q) => q.service === "bedrock")[0]!.modelId).toBe(arn);
  });

  test("bad model strings: exit 2, a message that shows the format, and no request", async () => {
    for (const m of ["custom:mars-east-1:x", "custom:us-east-1:..", "custom:us-east-1:a b", "custom:us-west-2:arn:aws:bedrock:us-east-1:123456789012:inference-profile/x"]) {
      const r = await chat(["-m", m, "hi"]);
      expect({ m, code: r.code }).toEqual({ m, code: 2 });
      expect(r.stderr.split("\n").filter(Boolean).length).toBeLessThanOrEqual(2);
      expect(r.stderr).not.toContain("    at ");
    }
    expect(fake.requests.length).toBe(0);
  });

  test("model from AMAZON_Q_MODEL, then the chat.defaultModel setting", async () => {
    let r = await chat(["--no-save", "a"], { env: { ...env, AMAZON_Q_MODEL: "custom:us-east-1:from-env", AMAZON_Q_SIGV4: "1" } });
    expect(r.code).toBe(0);
    expect(fake.requests.filter((q) => q.service === "bedrock").at(-1)!.modelId).toBe("from-env");
    r = await chat(["settings", "chat.defaultModel", "custom:us-east-1:from-setting"]);
    expect(r.code).toBe(0);
    r = await chat(["settings", "chat.defaultModel"]);
    expect(r.stdout).toBe("custom:us-east-1:from-setting\n");
    r = await chat(["--no-save", "b"]);
    expect(r.code).toBe(0);
    expect(fake.requests.filter((q) => q.service === "bedrock").at(-1)!.modelId).toBe("from-setting");
    r = await chat(["settings", "chat.bogus", "1"]);
    expect(r.code).toBe(2);
  });

  test("settings are read once, as the run starts: a settings file broken while the answer streams does not change it", async () => {
    expect((await chat(["settings", "chat.showUsage", "true"])).code).toBe(0);
    const p = Bun.spawn([bin("redux-chat"), "-m", "custom:us-east-1:fake.delay-800ms", "--no-save", "hello"], { env, cwd: home, stdout: "pipe", stderr: "pipe" });
    const killer = setTimeout(() => p.kill("SIGKILL"), 30_000);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !fake.requests.some((q) => q.service === "bedrock")) await Bun.sleep(10);
    writeFileSync(join(home, ".amazon-q", "settings.json"), "{ half-written");
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    clearTimeout(killer);
    expect({ code, stdout }).toEqual({ code: 0, stdout: "Echo: hello\n" });
    // the usage line as chat.showUsage said when the run started
    expect(stderr).toMatch(/^usage: 1 in · 2 out · 3 total tokens · .* ms\n$/);
  });

  test("settings written by several runs at once all land (each reads and writes under the file's lock)", async () => {
    const values: [string, string][] = [
      ["chat.defaultModel", "custom:us-east-1:m"], ["chat.autoProfile", "false"], ["chat.maxTokens", "77"],
      ["chat.timeoutSeconds", "42"], ["chat.showUsage", "true"], ["batch.s3", "s3://bucket/prefix/"],
    ];
    for (let round = 0; round < 3; round++) {
      const rs = await Promise.all(values.map(([k, v]) => chat(["settings", k, v])));
      expect(rs.map((r) => r.code)).toEqual(values.map(() => 0));
      const file = JSON.parse(readFileSync(join(home, ".amazon-q", "settings.json"), "utf8"));
      expect(Object.keys(file).sort()).toEqual(values.map(([k]) => k).sort());
      expect(existsSync(join(home, ".amazon-q", "settings.json.lock"))).toBe(false);
      const gone = await Promise.all(values.map(([k]) => chat(["settings", "--delete", k])));
      expect(gone.map((r) => r.code)).toEqual(values.map(() => 0));
      expect(JSON.parse(readFileSync(join(home, ".amazon-q", "settings.json"), "utf8"))).toEqual({});
    }
  });

  test("--endpoint-url and AWS_ENDPOINT_URL both reach the fake", async () => {
    const { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: _, ...noEndpoint } = env;
    let r = await chat(["-m", MODEL, "--no-save", "--endpoint-url", fake.url, "x"], { env: noEndpoint });
    expect(r.code).toBe(0);
    r = await chat(["-m", MODEL, "--no-save", "y"], { env: { ...noEndpoint, AWS_ENDPOINT_URL: fake.url } });
    expect(r.code).toBe(0);
    expect(fake.requests.filter((q) => q.service === "bedrock").length).toBe(2);
  });

  test("--debug traces the request with secrets redacted", async () => {
    const r = await chat(["-m", MODEL, "--debug", "--no-save", "x"], { env: { ...env, AWS_SESSION_TOKEN: "not-issued-session-token-xyz" } });
    expect(r.stderr).toContain("POST");
    expect(r.stderr).toContain("Signature=<redacted>");
    expect(r.stderr).not.toContain(FAKE_KEY.secret);
    expect(r.stderr).not.toContain("not-issued-session-token-xyz");
    expect(r.stderr).not.toContain(FAKE_KEY.id);
  });
});

describe("failures: one line, a hint, the documented exit code", () => {
  const fail = async (modelId: string, code: number, extra: string[] = []) => {
    const r = await chat(["-m", `custom:us-east-1:${modelId}`, ...extra, "hello"], { timeoutMs: 30_000 });
    expect({ modelId, code: r.code }).toEqual({ modelId, code });
    expect(r.stderr).toMatch(/^error: /m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toContain("    at ");
    return r;
  };

  test("access denied → 4, naming the IAM action", async () => {
    const r = await fail("fake.access-denied", 4);
    expect(r.stderr).toContain("bedrock:InvokeModelWithResponseStream");
  });
  test("model not found → 4", () => fail("fake.not-found", 4));
  test("on-demand throughput → 6, suggesting the inference profile id", async () => {
    const r = await fail("anthropic.claude-3-5-sonnet-20241022-v2:0.on-demand", 6);
    expect(r.stderr).toContain("custom:us-east-1:us.anthropic.claude-3-5-sonnet");
  });
  test("wrong secret → 3", async () => {
    const r = await chat(["-m", MODEL, "hi"], { env: { ...env, AWS_SECRET_ACCESS_KEY: "wrong-secret" } });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain("wrong-secret");
  });
  test("no credentials → 3", async () => {
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _b, ...none } = env;
    const r = await chat(["-m", MODEL, "hi"], { env: none });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("hint:");
  });
  test("throttled once → retried by the SDK, exit 0", async () => {
    const r = await chat(["-m", "custom:us-east-1:fake.throttle-once", "--no-save", "hi"]);
    expect(r.code).toBe(0);
    expect(fake.requests.filter((q) => q.operation === "ConverseStream").length).toBe(2);
  });
  test("throttled always → 5 after the retries", async () => {
    await fail("fake.throttle-always", 5);
    expect(fake.requests.filter((q) => q.service === "bedrock").length).toBe(3);
  });
  test("in-stream model error → 6, the partial answer saved with status error", async () => {
    const r = await fail("fake.stream-error", 6);
    expect(r.stdout).toContain("partial answer");
    const c = saved();
    assertValidConversation(c);
    expect(c.status).toBe("error");
    expect(c.messages[1]).toMatchObject({ status: "error", content: [{ text: "partial answer " }] });
  });
  test("a stream that ends without messageStop is a failure, not a success", async () => {
    await fail("fake.truncated", 5);
    expect(saved().status).toBe("error");
  });
  test("a silent server is bounded by --timeout", async () => {
    const r = await fail("fake.stall-first", 5, ["--timeout", "1"]);
    expect(r.ms).toBeLessThan(8000);
    const r2 = await fail("fake.stall-mid", 5, ["--timeout", "1", "--no-save"]);
    expect(r2.ms).toBeLessThan(8000);
  });
});

describe("conversations", () => {
  test("--resume ID sends the history and appends to the same file; -c resumes the newest", async () => {
    const first = await chat(["-m", MODEL, "--json", "first question"]);
    const { conversation_id: id, path } = JSON.parse(first.stdout);
    const r = await chat(["--resume", id, "second question"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: second question\n");
    expect(fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
    const r3 = await chat(["-c", "third"]);
    expect(r3.code).toBe(0);
    expect(savedFiles().length).toBe(1);
    const c = JSON.parse(readFileSync(path, "utf8"));
    assertValidConversation(c);
    expect(c.messages.length).toBe(6);
    expect(c.usage.total_tokens).toBe(c.messages.filter((m: { role: string }) => m.role === "assistant").reduce((s: number, m: { usage: { total_tokens: number } }) => s + m.usage.total_tokens, 0));
    // by path too
    const r4 = await chat(["--resume", path, "fourth"]);
    expect(r4.code).toBe(0);
  });

  test("--resume of an unknown id or an id with ../ is refused", async () => {
    expect((await chat(["--resume", "nope-nope", "x"])).code).toBe(2);
    expect((await chat(["--resume", "../../etc", "x"])).code).toBe(2);
  });

  test("a conversations directory that is a file: one error line and a hint, exit 2, before anything is sent", async () => {
    const blocker = join(home, "not-a-dir");
    writeFileSync(blocker, "");
    const r = await chat(["-m", MODEL, "x"], { env: { ...env, REDUX_CONVERSATIONS_DIR: blocker } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: the conversations directory ${blocker} is not a directory\nhint: point REDUX_CONVERSATIONS_DIR at a directory (default ~/.amazon-q/conversations), or pass --no-save\n`);
    expect(r.stderr).not.toContain("    at ");
    expect(fake.requests.length).toBe(0);
  });

  test("REDUX_CONVERSATIONS_DIR", async () => {
    const dir = join(home, "elsewhere");
    const r = await chat(["-m", MODEL, "x"], { env: { ...env, REDUX_CONVERSATIONS_DIR: dir } });
    expect(r.code).toBe(0);
    expect(readdirSync(dir).length).toBe(1);
  });

  test("20 concurrent runs leave 20 valid, distinct files", async () => {
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(["-m", MODEL, `prompt ${i}`])));
    expect(rs.map((r) => r.code)).toEqual(Array(20).fill(0));
    const files = savedFiles();
    expect(files.length).toBe(20);
    const prompts = new Set(files.map((f) => {
      const c = JSON.parse(readFileSync(join(convDir(), f), "utf8"));
      assertValidConversation(c);
      return c.messages[0].content[0].text;
    }));
    expect(prompts.size).toBe(20);
  });

  test("two processes resuming the same conversation: the second is refused, no turn lost", async () => {
    const first = await chat(["-m", MODEL, "--json", "start"]);
    const { conversation_id: id, path } = JSON.parse(first.stdout);
    const slow = chat(["--resume", id, "-m", "custom:us-east-1:fake.delay-2500ms", "slow turn"]);
    await Bun.sleep(800);
    const second = await chat(["--resume", id, "racing turn"]);
    expect(second.code).toBe(8);
    expect(second.stderr).toContain("in use");
    expect((await slow).code).toBe(0);
    const c = JSON.parse(readFileSync(path, "utf8"));
    expect(c.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: { text: string }[] }) => m.content[0]!.text)).toEqual(["start", "slow turn"]);
  });

  test("Ctrl-C mid-answer saves the partial answer as interrupted and exits 130", async () => {
    const p = Bun.spawn([bin("redux-chat"), "-m", "custom:us-east-1:fake.stall-mid", "hello"], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const deadline = Date.now() + 10_000;
    while (!fake.requests.length && Date.now() < deadline) await Bun.sleep(50);
    await Bun.sleep(400);
    p.kill("SIGINT");
    const code = await p.exited;
    expect(code).toBe(130);
    const c = saved();
    assertValidConversation(c);
    expect(c.status).toBe("interrupted");
    expect(c.messages[1].status).toBe("interrupted");
    expect(c.messages[1].content[0].text.length).toBeGreaterThan(0);
  });

  test("a conversation directory with a corrupted file still resumes the newest good one", async () => {
    mkdirSync(convDir(), { recursive: true, mode: 0o700 });
    writeFileSync(join(convDir(), "garbage_20200101T000000Z.json"), "{not json");
    writeFileSync(join(convDir(), "foreign.json"), JSON.stringify({ hello: "world" }));
    await chat(["-m", MODEL, "one"]);
    const r = await chat(["-c", "two"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: two\n");
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).toContain("skipped 2 files");
  });
});

describe("encryption at rest", () => {
  const KEY = Buffer.alloc(32, 7).toString("base64");
  const OTHER = Buffer.alloc(32, 9).toString("hex");

  test("REDUX_ENCRYPTION_KEY writes an AES-256-GCM envelope; resume decrypts it; a wrong key never alters the file", async () => {
    const kenv = { ...env, REDUX_ENCRYPTION_KEY: KEY };
    const first = await chat(["-m", MODEL, "--json", "top secret prompt"], { env: kenv });
    expect(first.code).toBe(0);
    const { conversation_id: id, path } = JSON.parse(first.stdout);
    const raw = readFileSync(path, "utf8");
    expect(raw).not.toContain("top secret prompt");
    const envelope = JSON.parse(raw);
    expect(envelope).toMatchObject({ format: "redux-envelope-v1", alg: "AES-256-GCM" });
    expect(Object.keys(envelope).sort()).toEqual(["alg", "ciphertext", "format", "key_id", "nonce", "tag"]);

    const again = await chat(["--resume", id, "second"], { env: kenv });
    expect(again.code).toBe(0);
    const after = readFileSync(path, "utf8");
    expect(JSON.parse(after).nonce).not.toBe(envelope.nonce);

    for (const e of [{ ...env, REDUX_ENCRYPTION_KEY: OTHER }, env]) {
      const bad = await chat(["--resume", id, "third"], { env: e });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/key/);
      expect(readFileSync(path, "utf8")).toBe(after);
    }
    const short = await chat(["-m", MODEL, "x"], { env: { ...env, REDUX_ENCRYPTION_KEY: "too-short" } });
    expect(short.code).toBe(2);
    expect(short.stderr).not.toContain("too-short");
  });
});
