// Today's Converse features from the command line (issue 15), end to end: extended thinking, attachments, prompt
// caching, structured output, tiers, latency, guardrails and request metadata, against the fake Bedrock, which refuses
// what Bedrock refuses, so a passing test shows the request was right.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";
import { assertValid, assertValidConversation } from "../schema.ts";

const THINKER = "custom:us-east-1:us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const PLAIN = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const chat = (args: string[], o: { stdin?: string | Uint8Array; env?: Record<string, string> } = {}) =>
  o.stdin instanceof Uint8Array
    ? runBytes(args, o.stdin)
    : run(bin("redux-chat"), args, { env: o.env ?? env, stdin: o.stdin });
const convDir = () => join(home, ".amazon-q", "conversations");
const saved = () => {
  const files = readdirSync(convDir()).filter((n) => n.endsWith(".json"));
  expect(files).toHaveLength(1);
  const c = JSON.parse(readFileSync(join(convDir(), files[0]!), "utf8"));
  assertValidConversation(c);
  return c;
};
const streams = () => fake.requests.filter((q) => q.operation === "ConverseStream");

async function runBytes(args: string[], stdin: Uint8Array) {
  const p = Bun.spawn([bin("redux-chat"), ...args], { env, cwd: home, stdin: new Blob([stdin]), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr, ms: 0 };
}

/** A real PNG of w x h pixels (one colour), so headers and sizes are genuine. */
function png(w: number, h: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc((w + 1) * h);
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]));
}
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...Buffer.from("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 32, 0, 48, 1, 1, 0x11, 0, 0xff, 0xd9]);
const pdf = (extra = 0) => Buffer.concat([Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"), Buffer.alloc(extra, 0x20), Buffer.from("\n%%EOF\n")]);
const file = (name: string, bytes: Uint8Array | string) => {
  const p = join(home, "files", name);
  mkdirSync(join(home, "files"), { recursive: true });
  writeFileSync(p, bytes);
  return p;
};

describe("extended thinking", () => {
  test("reasoning streams to stderr, never stdout; saved with its signature; kept for later turns and sent back", async () => {
    const r = await chat(["-m", THINKER, "--thinking", "2048", "why is the sky blue"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: why is the sky blue\n");
    expect(r.stderr).toContain("Let me think. The user wants an echo.");
    const req = streams()[0]!.body;
    expect(req.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2048 } });
    expect(req.inferenceConfig.maxTokens).toBe(2048 + 4096);
    const c = saved();
    expect(c.inference_config.thinking).toBe(2048);
    expect(c.messages[1].content[0]).toEqual({ reasoning: { text: "Let me think. The user wants an echo.", signature: `sig-${"A".repeat(24)}` } });

    // the next turn thinks too, and sends the reasoning back unchanged (the fake refuses it without its signature)
    const next = await chat(["-c", "and the sunset?"]);
    expect(next.code).toBe(0);
    const body = streams()[1]!.body;
    expect(body.additionalModelRequestFields.thinking.budget_tokens).toBe(2048);
    expect(body.messages[1].content[0]).toEqual({ reasoningContent: { reasoningText: { text: "Let me think. The user wants an echo.", signature: `sig-${"A".repeat(24)}` } } });

    const off = await chat(["-c", "--thinking", "off", "plainly now"]);
    expect(off.code).toBe(0);
    expect(streams()[2]!.body.additionalModelRequestFields).toBeUndefined();
    expect(saved().inference_config.thinking).toBeUndefined();
  });

  test("--thinking without a value: the family's own shape, and the next word stays the prompt", async () => {
    const r = await chat(["-m", THINKER, "--thinking", "why is grass green", "--no-save"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: why is grass green\n");
    expect(streams()[0]!.body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 4096 } });
    const adaptive = await chat(["-m", "custom:us-east-1:us.anthropic.claude-opus-4-6-v1:0", "--no-save", "--thinking", "--effort", "low", "hi"]);
    expect(adaptive.code).toBe(0);
    expect(streams()[1]!.body.additionalModelRequestFields).toEqual({ thinking: { type: "adaptive" } });
    expect(streams()[1]!.body.outputConfig).toEqual({ effort: "low" });
  });

  test("--json carries the reasoning; -q shows none; redacted reasoning is kept and sent back as bytes", async () => {
    const j = await chat(["-m", THINKER, "--thinking", "1024", "--json", "-q", "--no-save", "hi"]);
    expect(j.code).toBe(0);
    expect(j.stderr).toBe("");
    const out = JSON.parse(j.stdout);
    assertValid("chat-output.schema.json", out);
    expect(out.reasoning).toBe("Let me think. The user wants an echo.");

    const redacted = "custom:us-east-1:us.anthropic.claude-3-7-sonnet-redacted-v1:0";
    const r = await chat(["-m", redacted, "--thinking", "1024", "--no-save", "-q", "secret plans"]);
    expect(r.code).toBe(0);
    const resumedModel = "custom:us-east-1:us.anthropic.claude-sonnet-4-20250514-redacted-v1:0";
    const s = await chat(["-m", resumedModel, "--thinking", "1024", "first"]);
    expect(s.code).toBe(0);
    const part = saved().messages[1].content[0];
    expect(part).toEqual({ reasoning: { redacted: Buffer.from("opaque-reasoning").toString("base64") } });
    expect((await chat(["-c", "second"])).code).toBe(0);
    expect(streams().at(-1)!.body.messages[1].content[0]).toEqual({ reasoningContent: { redactedContent: Buffer.from("opaque-reasoning").toString("base64") } });
  });

  test("refused locally, before any request: a model that cannot think, the wrong shape, samplers, a small budget", async () => {
    const cases: [string[], string][] = [
      [["-m", PLAIN, "--thinking", "2048", "x"], "does not support extended thinking"],
      [["-m", "custom:us-west-2:meta.llama3-1-70b-instruct-v1:0", "--thinking", "2048", "x"], "does not support extended thinking"],
      [["-m", THINKER, "--thinking", "adaptive", "x"], "thinks with a token budget, not adaptively"],
      [["-m", THINKER, "--effort", "high", "x"], "takes no --effort"],
      [["-m", THINKER, "--thinking", "512", "x"], "--thinking takes a token budget from 1024"],
      [["-m", THINKER, "--thinking", "4096", "--max-tokens", "2000", "x"], "must be larger than the thinking budget"],
      [["-m", THINKER, "--thinking", "2048", "--temperature", "0.5", "x"], "cannot be used with --thinking"],
      [["-m", "custom:us-east-1:us.anthropic.claude-sonnet-4-5-20250929-v1:0", "--temperature", "0.5", "--top-p", "0.9", "x"], "refuses --temperature together with --top-p"],
      [["-m", THINKER, "--latency", "optimized", "x"], "has no latency-optimized inference"],
    ];
    for (const [args, msg] of cases) {
      const r = await chat(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).toContain("hint:");
    }
    expect(streams()).toHaveLength(0);
    // a model the table does not know is sent as asked: Bedrock decides
    const unknown = await chat(["-m", "custom:us-east-1:acme.future-model-v1:0", "--temperature", "0.5", "--top-p", "0.9", "--no-save", "x"]);
    expect(unknown.code).toBe(0);
  });

  test("reasoning cut off before its signature is saved but never sent back (Bedrock would refuse it)", async () => {
    mkdirSync(convDir(), { recursive: true });
    const now = new Date().toISOString();
    writeFileSync(
      join(convDir(), "cut-1_20261130T000000Z.json"),
      JSON.stringify({
        version: 1, conversation_id: "cut-1", model: THINKER, region: "us-east-1", model_id: THINKER.split(":").slice(2).join(":"), created_at: now, updated_at: now,
        inference_config: { thinking: 1024 }, usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, status: "interrupted",
        messages: [
          { role: "user", content: [{ text: "q1" }], timestamp: now },
          { role: "assistant", content: [{ reasoning: { text: "half a tho" } }, { text: "partial" }], timestamp: now, status: "interrupted" },
        ],
      }),
    );
    const r = await chat(["--resume", "cut-1", "go on"]);
    expect(r.code).toBe(0);
    expect(streams()[0]!.body.messages[1].content).toEqual([{ text: "partial" }]);
  });
});

describe("attachments", () => {
  test("images and documents by content, saved inline, sent as blocks, shown by the exports", async () => {
    const img = file("photo.png", png(4, 3));
    const disguised = file("really-a-jpeg.png", JPEG);
    const doc = file("Q3 report (final).pdf", pdf());
    const notes = file("notes.md", "# Notes\n\n- one\n");
    const r = await chat(["-m", PLAIN, "-a", img, "--attach", disguised, "-a", doc, "-a", notes, "summarise"]);
    expect(r.code).toBe(0);
    const content = streams()[0]!.body.messages[0].content;
    expect(content.map((b: any) => Object.keys(b)[0])).toEqual(["image", "image", "document", "document", "text"]);
    expect(content[0].image.format).toBe("png");
    expect(content[1].image.format).toBe("jpeg");
    expect(content[2].document).toMatchObject({ format: "pdf", name: "Q3 report (final)" });
    expect(content[3].document).toMatchObject({ format: "md", name: "notes" });
    expect(Buffer.from(content[0].image.source.bytes, "base64")).toEqual(Buffer.from(png(4, 3)));
    const c = saved();
    expect(c.messages[0].content[0].image).toMatchObject({ name: "photo.png", format: "png", size: png(4, 3).length });
    expect(c.messages[0].content[0].image.bytes).toBe(Buffer.from(png(4, 3)).toString("base64"));

    const exp = (f: string) => run(bin("redux-export"), ["--last", "--format", f], { env });
    expect((await exp("md")).stdout).toContain(`[image photo.png (png, ${png(4, 3).length} bytes)]`);
    const html = (await exp("html")).stdout;
    expect(html).toContain(`<img src="data:image/png;base64,${Buffer.from(png(4, 3)).toString("base64")}"`);
    expect(html).toContain("img-src data:");
    expect(html).toContain("Q3 report (final).pdf");
  });

  test("a large attachment is stored once beside the conversations (0600) and read back on the next turn", async () => {
    const doc = file("big.pdf", pdf(300 * 1024));
    expect((await chat(["-m", PLAIN, "-a", doc, "read this"])).code).toBe(0);
    const part = saved().messages[0].content[0].document;
    expect(part.file).toMatch(/^attachments\/[0-9a-f]{64}\.pdf$/);
    expect(part.bytes).toBeUndefined();
    const stored = join(convDir(), part.file);
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(statSync(join(convDir(), "attachments")).mode & 0o777).toBe(0o700);
    expect((await chat(["-c", "and again"])).code).toBe(0);
    expect(Buffer.from(streams()[1]!.body.messages[0].content[0].document.source.bytes, "base64").length).toBe(pdf(300 * 1024).length);
  });

  test("prune removes a stored attachment with the last conversation that names it", async () => {
    const doc = file("big.pdf", pdf(300 * 1024));
    expect((await chat(["-m", PLAIN, "-a", doc, "first"])).code).toBe(0);
    expect((await chat(["-m", PLAIN, "-a", doc, "second"])).code).toBe(0);
    const names = readdirSync(convDir()).filter((n) => n.endsWith(".json")).sort();
    const stored = readdirSync(join(convDir(), "attachments"));
    expect(stored).toHaveLength(1);
    const old = new Date(Date.now() - 3 * 86400e3);
    const { utimesSync } = await import("node:fs");
    utimesSync(join(convDir(), "attachments", stored[0]!), old, old);
    // age one conversation: the attachment is still named by the other
    const first = join(convDir(), names[0]!);
    const c = JSON.parse(readFileSync(first, "utf8"));
    c.updated_at = old.toISOString();
    writeFileSync(first, JSON.stringify(c));
    const prune = (extra: string[] = []) => run(bin("redux-export"), ["prune", "--older-than", "1d", "--json", ...extra], { env });
    expect(JSON.parse((await prune()).stdout)).toMatchObject({ removed: [first], attachments_removed: 0 });
    expect(readdirSync(join(convDir(), "attachments"))).toHaveLength(1);
    const second = join(convDir(), names[1]!);
    const c2 = JSON.parse(readFileSync(second, "utf8"));
    c2.updated_at = old.toISOString();
    writeFileSync(second, JSON.stringify(c2));
    expect(JSON.parse((await prune(["--dry-run"])).stdout)).toMatchObject({ attachments_removed: 1 });
    expect(readdirSync(join(convDir(), "attachments"))).toHaveLength(1);
    expect(JSON.parse((await prune()).stdout)).toMatchObject({ removed: [second], attachments_removed: 1 });
    expect(readdirSync(join(convDir(), "attachments"))).toHaveLength(0);
  });

  test("stdin bytes with --attach - and --attach-type", async () => {
    const r = await chat(["-m", PLAIN, "--no-save", "-a", "-", "--attach-type", "png", "what is this"], { stdin: png(2, 2) });
    expect(r.code).toBe(0);
    expect(streams()[0]!.body.messages[0].content[0].image.format).toBe("png");
  });

  test("limits and bad files are refused before any request, naming the limit", async () => {
    const huge = file("huge.png", Buffer.concat([Buffer.from(png(10, 10)), Buffer.alloc(4 * 1024 * 1024)]));
    const wide = file("wide.png", png(9000, 1));
    const many = Array.from({ length: 21 }, (_, i) => ["-a", file(`i${i}.png`, png(1, 1))]).flat();
    const docs = Array.from({ length: 6 }, (_, i) => ["-a", file(`d${i}.txt`, `doc ${i}`)]).flat();
    const cases: [string[], string][] = [
      [["-a", huge, "x"], "Bedrock takes images up to 3.75 MB"],
      [["-a", wide, "x"], "9000x1 pixels; Bedrock takes at most 8000"],
      [[...many, "x"], "21 images attached; Bedrock takes at most 20"],
      [[...docs, "x"], "6 documents attached; Bedrock takes at most 5"],
      [["-a", file("bin.dat", new Uint8Array([0, 1, 2, 3, 0, 255, 254])), "x"], "not a supported file type"],
      [["-a", join(home, "missing.pdf"), "x"], "no such file"],
      [["-a", "-", "x"], "--attach - needs --attach-type"],
    ];
    for (const [args, msg] of cases) {
      const r = await chat(["-m", PLAIN, ...args]);
      expect(r.stderr).toContain(msg);
      expect(r.code).toBe(2);
    }
    const noPrompt = await chat(["-m", PLAIN, "-a", file("a.pdf", pdf())], { stdin: "" });
    expect(noPrompt.code).toBe(2);
    expect(streams()).toHaveLength(0);
    expect(existsSync(convDir())).toBe(false);
  });
});

describe("caching, structured output, tiers, guardrails, metadata, stop reasons", () => {
  test("--cache puts cache points after the system prompt and the history", async () => {
    expect((await chat(["-m", PLAIN, "-s", "be brief", "--cache", "one"])).code).toBe(0);
    const second = await chat(["-c", "--cache", "--json", "two"]);
    expect(second.code).toBe(0);
    // the prefix the first turn wrote is read back by the second, and usage says so
    const usage = JSON.parse(second.stdout).usage;
    expect(usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(usage.cache_write_input_tokens).toBeGreaterThan(0);
    const [a, b] = streams().map((q) => q.body);
    expect(a!.system).toEqual([{ text: "be brief" }, { cachePoint: { type: "default" } }]);
    expect(a!.messages[0].content.at(-1)).toEqual({ cachePoint: { type: "default" } });
    expect(b!.messages).toHaveLength(3);
    expect(b!.messages[0].content).toEqual([{ text: "one" }]);
    expect(b!.messages[2].content.at(-1)).toEqual({ cachePoint: { type: "default" } });
  });

  test("--json-schema: the request asks for it, stdout is the JSON document, a mismatch is exit 6 with the reason", async () => {
    const schema = file("answer.schema.json", JSON.stringify({ title: "echo answer", type: "object", required: ["echo"], properties: { echo: { type: "string" } }, additionalProperties: false }));
    const r = await chat(["-m", PLAIN, "--json-schema", schema, "ping"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ echo: "ping" });
    expect(streams()[0]!.body.outputConfig.textFormat).toEqual({ type: "json_schema", structure: { jsonSchema: { schema: readFileSync(schema, "utf8"), name: "echo_answer" } } });
    const bad = await chat(["-m", "custom:us-east-1:acme.bad-json-v1:0", "--json-schema", schema, "ping"]);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain("the answer does not follow the schema");
    expect(bad.stderr).toContain("must have required property 'echo'");
    const notJson = await chat(["-m", PLAIN, "--json-schema", file("x.json", "{nope"), "ping"]);
    expect(notJson.code).toBe(2);
  });

  test("--service-tier, --latency, --guardrail, --request-metadata reach the request; bad values are exit 2", async () => {
    const haiku = "custom:us-east-1:us.anthropic.claude-3-5-haiku-20241022-v1:0";
    const r = await chat(["-m", haiku, "--no-save", "--service-tier", "flex", "--latency", "optimized", "--guardrail", "gr1abc", "--request-metadata", "team=ml", "--request-metadata", "job=nightly 1", "x"]);
    expect(r.code).toBe(0);
    const body = streams()[0]!.body;
    expect(body.serviceTier).toEqual({ type: "flex" });
    expect(body.performanceConfig).toEqual({ latency: "optimized" });
    expect(body.guardrailConfig).toMatchObject({ guardrailIdentifier: "gr1abc", guardrailVersion: "DRAFT" });
    expect(body.requestMetadata).toEqual({ team: "ml", job: "nightly 1" });
    for (const [args, msg] of [
      [["--service-tier", "gold"], "--service-tier must be one of default, priority, flex"],
      [["--guardrail", "Bad Id!"], "--guardrail takes ID[:VERSION]"],
      [["--request-metadata", "novalue"], "--request-metadata takes key=value"],
      [["--latency", "fast"], "--latency must be optimized or standard"],
    ] as [string[], string][]) {
      const bad = await chat(["-m", haiku, ...args, "x"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(msg);
    }
  });

  test("a guardrail that intervenes: stdout has what Bedrock returned, stderr says so, exit 6; a cut answer says it was cut", async () => {
    const r = await chat(["-m", PLAIN, "--guardrail", "blocker1:3", "tell me"]);
    expect(r.stdout).toBe("Sorry, the model cannot answer this question.\n");
    expect(r.stderr).toContain("the guardrail intervened");
    expect(r.code).toBe(6);
    expect(streams()[0]!.body.guardrailConfig).toMatchObject({ guardrailIdentifier: "blocker1", guardrailVersion: "3" });
    const cut = await chat(["-m", PLAIN, "--no-save", "--max-tokens", "2", "one two three four"]);
    expect(cut.code).toBe(0);
    expect(cut.stderr).toContain("the answer was cut off at the token limit (--max-tokens 2)");
  });
});

describe("batch items with today's features", () => {
  const batch = (args: string[]) => run(bin("redux-chat"), ["batch", ...args], { env, timeoutMs: 60_000 });
  const lines = (p: string) => readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => { const v = JSON.parse(l); assertValid("batch-output.schema.json", v); return v; });

  test("attachments (relative to the input file), thinking, json_schema and service_tier per item", async () => {
    const dir = join(home, "job");
    mkdirSync(join(dir, "scans"), { recursive: true });
    writeFileSync(join(dir, "scans", "inv.pdf"), pdf());
    writeFileSync(join(dir, "echo.schema.json"), JSON.stringify({ type: "object", required: ["echo"] }));
    writeFileSync(join(dir, "strict.schema.json"), JSON.stringify({ type: "object", required: ["missing"] }));
    const input = join(dir, "in.jsonl");
    writeFileSync(input, [
      { id: "doc", prompt: "totals?", attachments: ["scans/inv.pdf"], service_tier: "flex", model: "custom:us-east-1:acme.reader-v1" },
      { id: "think", prompt: "ponder", thinking: 1024, model: THINKER },
      { id: "json", prompt: "ping", json_schema: "echo.schema.json", model: PLAIN },
      { id: "bad-json", prompt: "ping", json_schema: "strict.schema.json", model: PLAIN },
    ].map((o) => JSON.stringify(o)).join("\n") + "\n");
    const out = join(home, "out.jsonl");
    const r = await batch([input, "-o", out, "-q", "--save"]);
    expect(r.code).toBe(7);
    // --save keeps the attachment exactly as it was sent
    const convs = readdirSync(convDir()).filter((n) => n.endsWith(".json")).map((n) => JSON.parse(readFileSync(join(convDir(), n), "utf8")));
    const withDoc = convs.find((c) => c.messages[0].content.some((b: any) => b.document))!;
    assertValidConversation(withDoc);
    expect(Buffer.from(withDoc.messages[0].content[0].document.bytes, "base64")).toEqual(pdf());
    const byId = Object.fromEntries(lines(out).map((l) => [l.id, l]));
    expect(byId.doc.status).toBe("ok");
    expect(byId.think.status).toBe("ok");
    expect(byId.json).toMatchObject({ status: "ok", text: '{"echo":"ping"}' });
    expect(byId["bad-json"]).toMatchObject({ status: "error", error: { class: "rejected" } });
    expect(byId["bad-json"].error.message).toContain("does not follow the schema");
    const body = (id: string) => streams().find((q) => JSON.stringify(q.body.messages).includes(id === "doc" ? "totals?" : "ponder"))!.body;
    expect(body("doc").messages[0].content[0].document).toMatchObject({ format: "pdf", name: "inv" });
    expect(body("doc").serviceTier).toEqual({ type: "flex" });
    expect(body("think").additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 1024 } });
  });

  test("an item's attachments go byte-exact on every attempt (a retry after throttling, a fallback) and are saved once, as sent", async () => {
    const dir = join(home, "again");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "inv.pdf"), pdf());
    // above the inline limit: with --save it is stored beside the conversations, by its hash
    const big = png(600, 600);
    const noise = new Uint8Array(300 * 1024).map((_, i) => (i * 7919) & 0xff);
    const image = new Uint8Array([...big.subarray(0, big.length - 12), ...noise, ...big.subarray(big.length - 12)]);
    writeFileSync(join(dir, "big.png"), image);
    const input = join(dir, "in.jsonl");
    writeFileSync(input, [
      { id: "retried", prompt: "totals?", attachments: ["inv.pdf", "big.png"], model: "custom:us-east-1:fake.throttle-once" },
      { id: "moved", prompt: "sums?", attachments: ["inv.pdf"], model: "custom:us-east-1:fake.unavailable-always" },
    ].map((o) => JSON.stringify(o)).join("\n") + "\n");
    const out = join(home, "again.jsonl");
    const r = await batch([input, "-o", out, "-q", "--save", "--max-attempts", "2", "--fallback", "custom:us-west-2:fake.ok"]);
    expect(r.code).toBe(0);
    const byId = Object.fromEntries(lines(out).map((l) => [l.id, l]));
    expect(byId.retried).toMatchObject({ status: "ok", attempts: 2 });
    expect(byId.moved).toMatchObject({ status: "ok", model: "custom:us-west-2:fake.ok" });
    const sent = (prompt: string) => streams().filter((q) => JSON.stringify(q.body.messages).includes(prompt)).map((q) => q.body.messages[0].content);
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    const retried = sent("totals?");
    expect(retried).toHaveLength(2);
    for (const c of retried) {
      expect(c[0].document).toEqual({ format: "pdf", name: "inv", source: { bytes: b64(pdf()) } });
      expect(c[1].image).toEqual({ format: "png", source: { bytes: b64(image) } });
      expect(c[2]).toEqual({ text: "totals?" });
    }
    const moved = sent("sums?");
    expect(moved.length).toBeGreaterThanOrEqual(2);
    for (const c of moved) expect(c[0].document.source.bytes).toBe(b64(pdf()));
    // saved as sent: the PDF inline, the image as its own file named by its hash
    const convs = readdirSync(convDir()).filter((n) => n.endsWith(".json")).map((n) => JSON.parse(readFileSync(join(convDir(), n), "utf8")));
    const withImage = convs.find((c) => c.messages[0].content.some((b: any) => b.image))!;
    assertValidConversation(withImage);
    const [doc, img] = withImage.messages[0].content;
    expect(Buffer.from(doc.document.bytes, "base64")).toEqual(Buffer.from(pdf()));
    expect(readFileSync(join(convDir(), img.image.file))).toEqual(Buffer.from(image));
    expect(img.image.file).toBe(`attachments/${new Bun.CryptoHasher("sha256").update(image).digest("hex")}.png`);
  });

  test("a missing attachment or a feature the line's model refuses: exit 2 naming the line, nothing sent", async () => {
    const input = join(home, "in.jsonl");
    writeFileSync(input, JSON.stringify({ id: "a", prompt: "x", attachments: ["nope.png"] }) + "\n");
    const missing = await batch([input, "-m", PLAIN, "-o", join(home, "o.jsonl")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("line 1: cannot attach");
    writeFileSync(input, JSON.stringify({ id: "a", prompt: "x" }) + "\n" + JSON.stringify({ id: "b", prompt: "y", thinking: 2048 }) + "\n");
    const refused = await batch([input, "-m", PLAIN, "-o", join(home, "o.jsonl")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("line 2:");
    expect(refused.stderr).toContain("does not support extended thinking");
    expect(streams()).toHaveLength(0);
  });
});
