// The proxy agents as the SDK's NodeHttpHandler drives them (https.request with host, port and agent, no protocol):
// tunnels reused, the pool bounded by maxSockets with every queued request served, and a refused or unreachable proxy
// failing each request at once rather than leaving the queue waiting.
import { afterAll, beforeAll, expect, test } from "bun:test";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { startConnectProxy, type ConnectProxy } from "../../fakes/connect-proxy.ts";
import { startFakeAws, type FakeAws } from "../../fakes/fake-aws.ts";
import { startTlsFront, type TlsFront } from "../../fakes/tls-front.ts";
import { proxyAgents } from "../../../lib/aws/proxy-agents.ts";
import { readFileSync } from "node:fs";

let fake: FakeAws;
let tls: TlsFront;
beforeAll(async () => {
  fake = await startFakeAws();
  tls = await startTlsFront(fake.url);
});
afterAll(async () => {
  await tls.close();
  await fake.close();
});

type Outcome = { status: number } | { error: string };
function get(agent: unknown, port: number, request = https.request): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, method: "GET", path: "/", agent: agent as https.Agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode! }));
    });
    req.on("error", (e: Error & { code?: string }) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}
const until = <T>(p: Promise<T>, ms: number) => Promise.race([p, Bun.sleep(ms).then(() => "still waiting" as const)]);

async function withProxy<T>(proxy: ConnectProxy, fn: (p: ConnectProxy) => Promise<T>): Promise<T> {
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

test("HTTPS: requests one after another reuse one CONNECT tunnel; the CA reaches the tunnelled TLS session", async () => {
  await withProxy(await startConnectProxy(), async (proxy) => {
    const { httpsAgent } = proxyAgents(proxy.url, { keepAlive: true, maxSockets: 4 }, [readFileSync(tls.caPath, "utf8")]);
    const port = Number(new URL(tls.url).port);
    for (let i = 0; i < 5; i++) {
      expect(await get(httpsAgent, port)).toEqual({ status: 404 });
      await Bun.sleep(5);
    }
    expect(proxy.seen.map((s) => `${s.method} ${s.target} ${s.status}`)).toEqual([`CONNECT 127.0.0.1:${port} 200`]);
    httpsAgent.destroy();
  });
});

test("HTTPS: 12 at once on maxSockets 3 all answer over at most 3 tunnels", async () => {
  await withProxy(await startConnectProxy(), async (proxy) => {
    const { httpsAgent } = proxyAgents(proxy.url, { keepAlive: true, maxSockets: 3 }, [readFileSync(tls.caPath, "utf8")]);
    const out = await until(Promise.all(Array.from({ length: 12 }, () => get(httpsAgent, Number(new URL(tls.url).port)))), 10_000);
    expect(out).toEqual(Array(12).fill({ status: 404 }));
    expect(proxy.seen.length).toBeLessThanOrEqual(3);
    httpsAgent.destroy();
  });
});

test("a refused CONNECT (502, 407) fails every request, queued ones too, with EPROXYCONNECT; the request never reaches the proxy", async () => {
  await withProxy(await startConnectProxy({ route: () => ({ host: "127.0.0.1", port: 9 }) }), async (proxy) => {
    const { httpsAgent } = proxyAgents(proxy.url, { keepAlive: true, maxSockets: 2 });
    const out = await until(Promise.all(Array.from({ length: 6 }, () => get(httpsAgent, 443))), 5_000);
    expect(out).toEqual(Array(6).fill({ error: "EPROXYCONNECT" }));
    expect(proxy.seen.every((s) => s.method === "CONNECT" && s.status === 502)).toBe(true);
  });
  await withProxy(await startConnectProxy({ auth: { user: "u", password: "p" } }), async (proxy) => {
    const { httpsAgent } = proxyAgents(proxy.url, { keepAlive: true, maxSockets: 1 });
    const refusal = new Promise<unknown>((resolve) => {
      const req = https.request({ host: "127.0.0.1", port: 443, agent: httpsAgent as unknown as https.Agent }, () => resolve("a response"));
      req.on("error", (e) => resolve({ ...e }));
      req.end();
    });
    expect(await until(refusal, 5_000)).toMatchObject({ code: "EPROXYCONNECT", status: 407, statusText: "Proxy Authentication Required", target: "127.0.0.1:443" });
  });
});

test("a proxy that is down fails every request, queued ones too, with its connection error", async () => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  const { httpsAgent, httpAgent } = proxyAgents(`http://127.0.0.1:${port}`, { keepAlive: true, maxSockets: 2 });
  expect(await until(Promise.all(Array.from({ length: 5 }, () => get(httpsAgent, 443))), 5_000)).toEqual(Array(5).fill({ error: "ECONNREFUSED" }));
  expect(await until(Promise.all(Array.from({ length: 5 }, () => get(httpAgent, 80, http.request))), 5_000)).toEqual(Array(5).fill({ error: "ECONNREFUSED" }));
});
