// Batch's pool over Bun's fetch: chosen only without proxy variables and CA bundles, and its network failures read
// exactly as they did over the SDK's node:http handler (messages, exit codes, retries), against real broken servers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { isTransientError } from "@smithy/core/retry";
import { asNodeError } from "../../../lib/aws/fetch-handler.ts";
import { requestHandlerFor } from "../../../lib/aws/http.ts";
import { createBedrockClient, streamTurn } from "../../../lib/bedrock/runtime.ts";
import { itemError } from "../../../lib/batch/runner.ts";
import { translateAwsError } from "../../../lib/errors.ts";
import { startBrokenHttp, type BrokenHttp } from "../../fakes/broken-http.ts";
import { startFakeAws, type FakeAws } from "../../fakes/fake-aws.ts";
import { startTlsFront, type TlsFront } from "../../fakes/tls-front.ts";
import { FAKE_KEY } from "../../e2e/harness.ts";
import { selfSignedCertificate } from "../../helpers/certificate.ts";

const URL_ = "https://bedrock-runtime.us-east-1.amazonaws.com";
/** Tests that need Bun settings read at start run this in a process of their own. */
const CHILD = join(import.meta.dir, "../../fakes/fetch-handler-child.ts");
const pooled = (env: NodeJS.ProcessEnv) => requestHandlerFor(URL_, { timeoutMs: 1000, http2: false, maxSockets: 4, fetch: true, env });

describe("which handler", () => {
  test("a pool goes through fetch only when no proxy variable is set at all and no CA bundle applies", async () => {
    expect(await pooled({})).toBeInstanceOf(FetchHttpHandler);
    // Bun's fetch would read these by itself, by its own NO_PROXY rules: set at all (even empty), they keep node:http
    for (const name of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "Https_Proxy"]) {
      for (const value of ["http://127.0.0.1:9", ""]) {
        const h = await pooled({ [name]: value });
        expect({ name, value, fetch: h instanceof FetchHttpHandler, node: h instanceof NodeHttpHandler }).toEqual({ name, value, fetch: false, node: true });
      }
    }
    const pem = join(process.env.HOME!, "ca.pem");
    writeFileSync(pem, selfSignedCertificate());
    for (const name of ["AWS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"]) expect(await pooled({ [name]: pem })).toBeInstanceOf(NodeHttpHandler);
    // without a pool (S3, the control plane, credentials) nothing changes
    expect(await requestHandlerFor(URL_, { timeoutMs: 1000, http2: false, maxSockets: 4, env: {} })).toBeInstanceOf(NodeHttpHandler);
    expect(await requestHandlerFor(URL_, { timeoutMs: 1000, http2: true, env: {} })).toEqual({ requestTimeout: 1000 });
  });
});

describe("network failures read the same over fetch as over node:http", () => {
  let broken: BrokenHttp;
  let fake: FakeAws;
  let tls: TlsFront;
  let refusedPort: number;
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = FAKE_KEY.id;
    process.env.AWS_SECRET_ACCESS_KEY = FAKE_KEY.secret;
    [broken, fake] = await Promise.all([startBrokenHttp(), startFakeAws({ chunkDelayMs: 0 })]);
    tls = await startTlsFront(fake.url);
    refusedPort = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => r(port));
      });
    });
  });
  afterAll(async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    broken.close();
    await tls.close();
    await fake.close();
  });

  /** The batch's client for `endpoint` (a pool), over fetch, or over node:http as a proxy variable makes it. */
  async function clientFor(endpoint: string, transport: "fetch" | "node"): Promise<BedrockRuntimeClient> {
    if (transport === "node") process.env.no_proxy = "unused.invalid";
    try {
      const c = await createBedrockClient({ region: "us-east-1", endpoint, timeoutMs: 1000, maxAttempts: 2, pool: 4 });
      expect(c.config.requestHandler instanceof FetchHttpHandler).toBe(transport === "fetch");
      return c;
    } finally {
      delete process.env.no_proxy;
    }
  }
  /** One ConverseStream as batch sends it: what the item's line would say, and how many requests reached the server. */
  async function attempt(endpoint: string, modelId: string, transport: "fetch" | "node") {
    const client = await clientFor(endpoint, transport);
    broken.hits = 0;
    const r = await streamTurn(client, { modelId, messages: [{ role: "user", content: [{ text: "hi" }] }], inference: {} }, { firstEventTimeoutMs: 1000, idleTimeoutMs: 1000, ctx: { region: "us-east-1", modelId } });
    client.destroy();
    const e = r.error && itemError(r.error);
    // the SDK's own classifier: what it retries (probes with maxAttempts) and what it does not
    const cause = r.error?.cause as Parameters<typeof isTransientError>[0] | undefined;
    return { status: r.status, text: r.text, code: e?.code, message: e?.message, hint: e?.hint, hits: broken.hits, transient: cause ? isTransientError(cause) : undefined };
  }
  const both = async (endpoint: string, modelId: string) => {
    const [viaFetch, viaNode] = [await attempt(endpoint, modelId, "fetch"), await attempt(endpoint, modelId, "node")];
    expect(viaFetch).toEqual(viaNode);
    return viaFetch;
  };

  test("nothing listening: the address and port named, exit 5, retried by the SDK", async () => {
    const r = await both(`http://127.0.0.1:${refusedPort}`, "fake.any");
    expect(r).toMatchObject({ status: "error", code: 5, message: `cannot reach Bedrock in us-east-1: could not connect to 127.0.0.1:${refusedPort}: connection refused`, transient: true });
    expect(r.hint).toContain("nothing is listening there");
  });

  test("the connection closed before an answer: `socket hang up`, exit 5, retried by the SDK", async () => {
    const r = await both(broken.url, "fake.hangup");
    expect(r).toMatchObject({ status: "error", code: 5, message: "timed out waiting for Bedrock in us-east-1: socket hang up", hits: 2, transient: true });
  });

  test("the connection lost mid-answer: `aborted`, exit 5, what arrived kept, not retried inside the SDK", async () => {
    const r = await both(broken.url, "fake.cut");
    expect(r).toMatchObject({ status: "error", text: "partial", code: 5, message: "cannot reach Bedrock in us-east-1: aborted", hits: 1, transient: true });
  });

  test("a frame torn by a clean close, a silent server, an untrusted certificate", async () => {
    expect(await both(fake.url, "fake.torn")).toMatchObject({ code: 5, message: "the answer stream was cut off: Error: Truncated event message received." });
    const t0 = performance.now();
    expect(await both(fake.url, "fake.stall-first")).toMatchObject({ code: 5, message: "timed out: no answer from Bedrock for 1 s (us-east-1)" });
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(await both(tls.url, "fake.ok")).toMatchObject({ code: 5, message: "TLS: the server's certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)" });
  });

  test("a reset before an answer: exit 5 over both (node:http says `read ECONNRESET`, fetch cannot tell it from a close)", async () => {
    const viaFetch = await attempt(broken.url, "fake.reset", "fetch");
    expect(viaFetch).toMatchObject({ status: "error", code: 5, message: "timed out waiting for Bedrock in us-east-1: socket hang up", hits: 2, transient: true });
    const viaNode = await attempt(broken.url, "fake.reset", "node");
    expect(viaNode).toMatchObject({ status: "error", code: 5, hits: 2, transient: true, message: expect.stringMatching(/^timed out waiting for Bedrock in us-east-1: (read ECONNRESET|socket hang up)$/) });
  });

  test("a consumer that throws ends the request, so a pool's connection is free for the next at once", async () => {
    for (const transport of ["fetch", "node"] as const) {
      if (transport === "node") process.env.no_proxy = "unused.invalid";
      const client = await createBedrockClient({ region: "us-east-1", endpoint: fake.url, timeoutMs: 3000, maxAttempts: 1, pool: 1 });
      delete process.env.no_proxy;
      const ask = (modelId: string, onText?: (s: string) => void) =>
        streamTurn(client, { modelId, messages: [{ role: "user", content: [{ text: "hi" }] }], inference: {} }, { onText, firstEventTimeoutMs: 3000, idleTimeoutMs: 3000 });
      // the answer stalls after its first delta, and the consumer fails on that delta (a write to a full disk)
      const failed = await ask("fake.stall-mid", () => {
        throw new Error("ENOSPC");
      });
      expect({ transport, status: failed.status, message: failed.error?.message }).toMatchObject({ transport, status: "error", message: expect.stringContaining("ENOSPC") });
      const t0 = performance.now();
      const next = await ask("fake.ok");
      expect({ transport, status: next.status, text: next.text, waited: performance.now() - t0 < 2000 }).toEqual({ transport, status: "complete", text: "Echo: hi", waited: true });
      client.destroy();
    }
  });

  test("a silence mid-answer ends at --timeout with what arrived, in redux's words over both (the handler's own limit ends later)", async () => {
    for (const transport of ["fetch", "node", "node", "node"] as const) {
      const t0 = performance.now();
      const r = await attempt(fake.url, "fake.stall-mid", transport);
      expect({ transport, ...r }).toMatchObject({ transport, status: "error", code: 5, message: "timed out: no data from Bedrock for 1 s (us-east-1)" });
      expect(r.text.length).toBeGreaterThan(0);
      expect(performance.now() - t0).toBeLessThan(6000);
    }
  });
});

describe("asNodeError", () => {
  const target = { protocol: "https:", hostname: "bedrock-runtime.us-east-1.amazonaws.com" };
  test("a DNS failure as Bun's fetch reports it reads as node's", () => {
    const bun = Object.assign(new TypeError("getaddrinfo ENOTFOUND bedrock-runtime.us-east-1.amazonaws.com"), { code: "ENOTFOUND", hostname: "bedrock-runtime.us-east-1.amazonaws.com", syscall: "getaddrinfo" });
    const e = asNodeError(bun, target, "request") as Error & { code: string };
    expect({ name: e.name, message: e.message, code: e.code }).toEqual({ name: "DNSException", message: "getaddrinfo ENOTFOUND bedrock-runtime.us-east-1.amazonaws.com", code: "ENOTFOUND" });
    expect(translateAwsError(e, { region: "us-east-1" }).message).toBe("cannot reach Bedrock in us-east-1: could not resolve bedrock-runtime.us-east-1.amazonaws.com: no such host");
  });
  test("older Bun's names, the default port, and errors that are not Bun's network failures", () => {
    const refused = asNodeError(Object.assign(new TypeError("Unable to connect. Is the computer able to access the url?"), { code: "ConnectionRefused" }), target, "request") as Error;
    expect(refused.message).toBe("connect ECONNREFUSED bedrock-runtime.us-east-1.amazonaws.com:443");
    const closed = asNodeError(Object.assign(new TypeError("The socket connection was closed unexpectedly."), { code: "ConnectionClosed" }), target, "body") as Error;
    expect(closed.message).toBe("aborted");
    const unreachable = asNodeError(Object.assign(new TypeError("EHOSTUNREACH: Unable to connect. Is the computer able to access the url?"), { code: "EHOSTUNREACH" }), { ...target, port: 8443 }, "request");
    expect(translateAwsError(unreachable, { region: "us-east-1" }).message).toBe("cannot reach Bedrock in us-east-1: could not connect to bedrock-runtime.us-east-1.amazonaws.com:8443: host unreachable");
    const abort = Object.assign(new Error("Request aborted"), { name: "AbortError" });
    expect(asNodeError(abort, target, "request")).toBe(abort);
    expect(asNodeError("not an error", target, "body")).toBe("not an error");
  });
});

describe("fetch kept to what node:http did", () => {
  test("a redirect is not followed: nothing, and no session token, goes to the host a 3xx names", async () => {
    const { HttpRequest } = await import("@smithy/protocol-http");
    const { fetchHandler } = await import("../../../lib/aws/fetch-handler.ts");
    const elsewhere: string[] = [];
    const other = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => (elsewhere.push(`${req.method} ${req.headers.get("x-amz-security-token")}`), new Response("stolen")) });
    const redirecting = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => new Response(null, { status: Number(new URL(req.url).pathname.split("/")[1]), headers: { location: `http://localhost:${other.port}/stolen` } }) });
    try {
      for (const status of [307, 302]) {
        const { response } = await fetchHandler(5000).handle(
          new HttpRequest({ protocol: "http:", hostname: "127.0.0.1", port: redirecting.port, method: "POST", path: `/${status}/model/m/converse-stream`, headers: { "x-amz-security-token": "SESSION-TOKEN", "content-type": "application/json" }, body: "{}" }),
        );
        expect({ status, got: response.statusCode }).toEqual({ status, got: status });
      }
      expect(elsewhere).toEqual([]);
    } finally {
      redirecting.stop(true);
      other.stop(true);
    }
  });

  test("Bun's own idle limit does not cut a request: redux's --timeout does (a child whose Bun limit is 1 s, which Bun applies at about 8 s)", async () => {
    const p = Bun.spawnSync([process.execPath, CHILD, "stall"], { env: { ...process.env, BUN_CONFIG_HTTP_IDLE_TIMEOUT: "1" }, stdout: "pipe", stderr: "pipe" });
    const r = JSON.parse(p.stdout.toString().trim() || `{"stderr":${JSON.stringify(p.stderr.toString())}}`);
    // ended by the caller's abort at 10 s (redux's first-event and idle timers abort the same way), not by Bun at ~8 s
    expect(r.name).toBe("AbortError");
    expect(r.ms).toBeGreaterThanOrEqual(9900);
  }, 30_000);
});

test("BUN_CONFIG_VERBOSE_FETCH set by someone does not print the session token (fetch is told verbose: false)", async () => {
  const p = Bun.spawnSync([process.execPath, CHILD, "verbose"], { env: { ...process.env, BUN_CONFIG_VERBOSE_FETCH: "curl" }, stdout: "pipe", stderr: "pipe" });
  const all = p.stdout.toString() + p.stderr.toString();
  expect(all).toContain("status 200");
  expect(all).not.toContain("SESSION-TOKEN");
}, 20_000);
