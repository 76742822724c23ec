// Connection reuse behind a corporate proxy, from the compiled binaries: HTTPS through HTTPS_PROXY opens one CONNECT
// tunnel (and one TLS handshake) per pooled connection, not per request, and plain HTTP through HTTP_PROXY keeps its
// proxy connections alive. A batch of 50 items at --concurrency 4 must open about 4 tunnels, not 50; `models` (six
// list calls on a pool of 4) must neither hang nor tunnel per call. The proxy counts what it saw: CONNECTs per target
// and the TCP connections it accepted.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { startFakeAws, type FakeAws } from "../fakes/fake-aws.ts";
import { startConnectProxy, VIA, type ConnectProxy } from "../fakes/connect-proxy.ts";
import { startTlsFront, type TlsFront } from "../fakes/tls-front.ts";
import { bin, fakeEnv, run, tempHome } from "./harness.ts";

const MODEL = "custom:us-east-1:fake.batch";
let fake: FakeAws;
let tls: TlsFront;
let proxy: ConnectProxy;
let home: string;
let cleanup: () => void;

beforeAll(async () => {
  fake = await startFakeAws();
  tls = await startTlsFront(fake.url);
  proxy = await startConnectProxy();
});
afterAll(async () => {
  await proxy.close();
  await tls.close();
  await fake.close();
});
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  fake.reset();
  proxy.seen.length = 0;
  proxy.connections = 0;
});
afterEach(() => cleanup());

const tlsPort = () => new URL(tls.url).port;
/** Every AWS endpoint on the TLS front, reached through HTTPS_PROXY with the front's CA trusted. */
const httpsEnv = (extra: Record<string, string> = {}) =>
  fakeEnv(home, tls.url, { HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: tls.caPath, ...extra });
const tunnels = () => proxy.seen.filter((s) => s.method === "CONNECT" && s.target === `127.0.0.1:${tlsPort()}` && s.status === 200).length;

function batchInput(n: number): string {
  const path = join(home, "in.jsonl");
  writeFileSync(path, Array.from({ length: n }, (_, i) => JSON.stringify({ id: `i${i}`, prompt: `question ${i}` })).join("\n") + "\n");
  return path;
}

describe("keep-alive behind a proxy", () => {
  test("HTTPS_PROXY: a batch of 50 at --concurrency 4 opens at most a few CONNECT tunnels, not one per item", async () => {
    fake.setDelayMs(20);
    try {
      const out = join(home, "out.jsonl");
      const r = await run(bin("redux-chat"), ["batch", batchInput(50), "-o", out, "-m", MODEL, "--concurrency", "4", "-q"], { env: httpsEnv(), timeoutMs: 60_000 });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(fake.requests.filter((q) => q.operation === "ConverseStream").length).toBe(50);
      // every CONNECT went to the TLS front and was answered; the pool of 4 (plus the credentials check) bounds them
      expect(proxy.seen.every((s) => s.method === "CONNECT" && s.status === 200)).toBe(true);
      expect(tunnels()).toBeGreaterThanOrEqual(1);
      expect(tunnels()).toBeLessThanOrEqual(4 + 2);
    } finally {
      fake.setDelayMs(0);
    }
  });

  test("HTTPS_PROXY: models (six list calls on a pool of 4) answers and reuses its tunnels", async () => {
    const r = await run(bin("redux-chat"), ["models", "--refresh", "--json"], { env: httpsEnv(), timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).length).toBeGreaterThan(0);
    const calls = fake.requests.filter((q) => q.service !== "sts").length;
    expect(calls).toBeGreaterThanOrEqual(6);
    expect(tunnels()).toBeLessThanOrEqual(4 + 1);
  });

  test("a proxy that refuses every tunnel (502) or is down: models (six calls on a pool of 4) fails in seconds, saying so", async () => {
    // a proxy whose upstream is a closed port: every CONNECT is answered 502
    const refusing = await startConnectProxy({ route: () => ({ host: "127.0.0.1", port: 9 }) });
    try {
      const r = await run(bin("redux-chat"), ["models", "--refresh"], { env: httpsEnv({ HTTPS_PROXY: refusing.url }), timeoutMs: 30_000 });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`the proxy ${refusing.url} (HTTPS_PROXY) refused a tunnel to 127.0.0.1:${tlsPort()}: 502 Bad Gateway`);
      expect(r.stderr).toContain(`hint: check that the proxy may reach 127.0.0.1:${tlsPort()}, or list the host in NO_PROXY to go direct`);
      expect(r.ms).toBeLessThan(10_000);
      // the SDK retried the 502s (a proxy's 5xx is transient), and every list call tried: more CONNECTs than the pool
      expect(refusing.seen.length).toBeGreaterThan(6);
      expect(fake.requests).toEqual([]);
    } finally {
      await refusing.close();
    }
    const down = await startConnectProxy();
    await down.close();
    const r = await run(bin("redux-chat"), ["models", "--refresh"], { env: httpsEnv({ HTTPS_PROXY: down.url }), timeoutMs: 30_000 });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot reach the proxy ${down.url} (HTTPS_PROXY): ECONNREFUSED`);
    expect(r.ms).toBeLessThan(10_000);
  });

  test("HTTP_PROXY: a batch of 50 at --concurrency 4 keeps its proxy connections alive", async () => {
    const out = join(home, "out.jsonl");
    const env = fakeEnv(home, fake.url, { HTTP_PROXY: proxy.url });
    const r = await run(bin("redux-chat"), ["batch", batchInput(50), "-o", out, "-m", MODEL, "--concurrency", "4", "-q"], { env, timeoutMs: 60_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const converse = fake.requests.filter((q) => q.operation === "ConverseStream");
    expect(converse.length).toBe(50);
    expect(converse.every((q) => q.headers.via === VIA)).toBe(true);
    expect(proxy.connections).toBeLessThanOrEqual(4 + 2);
  });
});
