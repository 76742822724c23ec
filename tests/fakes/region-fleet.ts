// Several Bedrock regions on loopback, told apart by their real hostnames: a CONNECT proxy (HTTPS_PROXY) routes
// `bedrock-runtime.<region>.amazonaws.com` and `sts.<region>.amazonaws.com` to one TLS front per region, whose
// certificate is signed by a throwaway test CA (AWS_CA_BUNDLE); each front forwards to a fake AWS of its own. A region
// can be switched to down (the tunnel is reset), throttling (429), unavailable (503), internal (500), not-ready (429),
// model-timeout (408), stalling (never answers) or early-stream-error (an exception frame before any text). Unknown hosts are refused, so nothing leaves the machine.
// A second way in, `endpointUrl` (AWS_ENDPOINT_URL_BEDROCK_RUNTIME), is one fake for all regions that tells them apart
// by the SigV4 scope: the bench uses it, because under Bun the proxy agent opens a new tunnel (CONNECT + TLS) for every
// request, which would be measured instead of the failover.
// Run standalone: `bun tests/fakes/region-fleet.ts --regions us-east-1,us-west-2 [--mode us-east-1=down]
// [--delay-ms N] [--chunk-delay-ms N]` prints {"proxyUrl","endpointUrl","caPath"} and serves until SIGTERM; `GET <proxyUrl>/__fleet`
// answers the hits per region, `POST <proxyUrl>/__fleet?region=R&mode=M` switches a region.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeAws, type FakeAws } from "./fake-aws.ts";
import { eventFrame, exceptionFrame } from "./eventstream.ts";

export type RegionMode = "up" | "down" | "throttle" | "unavailable" | "internal" | "not-ready" | "model-timeout" | "stall" | "early-stream-error";

/** The modes that answer with an error of Bedrock's own: status, x-amzn-errortype. */
const ERRORS: Partial<Record<RegionMode, [number, string, string]>> = {
  throttle: [429, "ThrottlingException", "Too many requests, please wait before trying again."],
  unavailable: [503, "ServiceUnavailableException", "Bedrock is unavailable."],
  internal: [500, "InternalServerException", "An internal server error occurred."],
  "not-ready": [429, "ModelNotReadyException", "The model is not ready to serve inference requests."],
  "model-timeout": [408, "ModelTimeoutException", "The request took too long to process."],
};

export interface Region {
  name: string;
  fake: FakeAws;
  mode: RegionMode;
  /** Bedrock requests that reached this region, answered or not (a reset tunnel counts as one). */
  hits: number;
  /** CONNECT tunnels opened to it (a client that keeps connections alive opens few). */
  tunnels: number;
}

export interface RegionFleet {
  proxyUrl: string;
  /** AWS_ENDPOINT_URL_BEDROCK_RUNTIME for the other way in (regions told apart by the SigV4 scope). */
  endpointUrl: string;
  caPath: string;
  regions: Record<string, Region>;
  /** CONNECT targets that were refused (not a fleet host). */
  refused: string[];
  setMode(region: string, mode: RegionMode): void;
  /** HTTPS_PROXY and AWS_CA_BUNDLE for a client that should reach the fleet. */
  env(): Record<string, string>;
  reset(): void;
  close(): Promise<void>;
}

const HOST_RE = /^(bedrock-runtime|sts)\.([a-z0-9-]+)\.amazonaws\.com$/;

function makeCerts(dir: string, regions: string[]) {
  const ssl = (args: string[]) => {
    const r = Bun.spawnSync(["openssl", ...args], { cwd: dir, stdout: "ignore", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=redux test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  ssl(["req", ...ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=bedrock-runtime.amazonaws.com"]);
  const names = regions.flatMap((r) => [`DNS:bedrock-runtime.${r}.amazonaws.com`, `DNS:sts.${r}.amazonaws.com`]);
  writeFileSync(join(dir, "ext.cnf"), `subjectAltName=${names.join(",")}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  ssl(["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "1", "-extfile", "ext.cnf"]);
  return { key: readFileSync(join(dir, "leaf.key")), cert: readFileSync(join(dir, "leaf.pem")), caPath: join(dir, "ca.pem") };
}

export async function startRegionFleet(o: { regions: string[]; delayMs?: number; chunkDelayMs?: number }): Promise<RegionFleet> {
  const dir = mkdtempSync(join(tmpdir(), "redux-fleet-"));
  const { key, cert, caPath } = makeCerts(dir, o.regions);
  const sockets = new Set<net.Socket>();
  // small event-stream frames through a tunnel: without noDelay, Nagle and delayed ACKs add ~40 ms stalls
  const track = (s: net.Socket) => {
    s.setNoDelay?.(true);
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const regions: Record<string, Region> = {};
  const fronts = new Map<string, { port: number; server: https.Server; agent: http.Agent }>();

  const upstreams = new Map<string, { url: URL; agent: http.Agent }>();
  /** A region that is not up answers for itself: true when it did. */
  function failing(region: Region, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const name = region.name;
    if (region.mode === "down") {
      const stream = (res as unknown as { stream?: { destroy(): void } }).stream;
      if (stream) stream.destroy();
      else req.socket.destroy();
      return true;
    }
    const error = ERRORS[region.mode];
    if (error) {
      req.resume();
      res.writeHead(error[0], { "content-type": "application/json", "x-amzn-errortype": error[1], "x-amzn-requestid": crypto.randomUUID() }).end(JSON.stringify({ message: `${error[2]} (${name})` }));
      return true;
    }
    if (region.mode === "stall") return (req.resume(), true);
    if (region.mode === "early-stream-error" && req.url?.endsWith("/converse-stream")) {
      req.resume();
      res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": crypto.randomUUID() });
      res.write(eventFrame("messageStart", { role: "assistant" }));
      res.end(exceptionFrame("modelStreamErrorException", { message: `The model stream failed in ${name}`, originalStatusCode: 500 }));
      return true;
    }
    return false;
  }

  /** One region's answer to a request that came through its TLS front: its mode decides, else its fake does. */
  function serve(region: Region, req: http.IncomingMessage, res: http.ServerResponse, bedrock: boolean) {
    const name = region.name;
    if (bedrock) {
      region.hits++;
      if (failing(region, req, res)) return;
    }
    const { url: upstream, agent } = upstreams.get(name)!;
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (ur) => {
      ur.socket?.setNoDelay?.(true);
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(up);
  }

  for (const name of o.regions) {
    const fake = await startFakeAws({ delayMs: o.delayMs, chunkDelayMs: o.chunkDelayMs });
    const region: Region = { name, fake, mode: "up", hits: 0, tunnels: 0 };
    regions[name] = region;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    upstreams.set(name, { url: new URL(fake.url), agent });
    const server = https.createServer({ key, cert }, (req, res) => serve(region, req, res, (req.headers.host ?? "").startsWith("bedrock-runtime.")));
    server.on("connection", track);
    server.on("secureConnection", (s: net.Socket) => s.setNoDelay?.(true));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    fronts.set(name, { port: (server.address() as net.AddressInfo).port, server, agent });
  }

  // the endpoint way in: one fake for every region, which tells them apart by the SigV4 scope and lets the region's
  // mode answer first
  const endpoint = await startFakeAws({
    delayMs: o.delayMs,
    chunkDelayMs: o.chunkDelayMs,
    gate(name, req, res) {
      const region = name ? regions[name] : undefined;
      if (!region) return false;
      region.hits++;
      return failing(region, req, res);
    },
  });

  const refused: string[] = [];
  const control = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fleet.invalid");
    if (url.pathname !== "/__fleet") return void res.writeHead(404).end();
    if (req.method === "POST") {
      const r = regions[url.searchParams.get("region") ?? ""];
      if (!r) return void res.writeHead(400).end("unknown region");
      r.mode = url.searchParams.get("mode") as RegionMode;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Object.fromEntries(Object.values(regions).map((r) => [r.name, { mode: r.mode, hits: r.hits, tunnels: r.tunnels }]))));
  });
  control.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    client.on("error", () => client.destroy());
    const target = req.url ?? "";
    const [host, port] = [target.slice(0, target.lastIndexOf(":")), target.slice(target.lastIndexOf(":") + 1)];
    const m = HOST_RE.exec(host);
    const region = m && port === "443" ? regions[m[2]!] : undefined;
    if (!region) {
      refused.push(target);
      return void client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    }
    if (m![1] === "bedrock-runtime" && region.mode === "down") {
      region.hits++;
      // the region's front door is gone: the tunnel opens, then the connection is reset mid-handshake
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      return void client.destroy();
    }
    region.tunnels++;
    const up = net.connect(fronts.get(region.name)!.port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    track(up);
    up.on("error", () => client.destroy());
    client.on("close", () => up.destroy());
  });
  control.on("connection", track);
  await new Promise<void>((r) => control.listen(0, "127.0.0.1", () => r()));
  const proxyUrl = `http://127.0.0.1:${(control.address() as net.AddressInfo).port}`;

  return {
    proxyUrl,
    endpointUrl: endpoint.url,
    caPath,
    regions,
    refused,
    setMode: (name, mode) => void (regions[name]!.mode = mode),
    env: () => ({ HTTPS_PROXY: proxyUrl, AWS_CA_BUNDLE: caPath }),
    reset() {
      refused.length = 0;
      for (const r of Object.values(regions)) {
        r.mode = "up";
        r.hits = 0;
        r.tunnels = 0;
        r.fake.reset();
      }
      endpoint.reset();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => control.close(() => r()));
      for (const f of fronts.values()) {
        f.agent.destroy();
        await new Promise<void>((r) => f.server.close(() => r()));
      }
      for (const r of Object.values(regions)) await r.fake.close();
      await endpoint.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The fleet in a process of its own (benches: their timing loops block this one); resolves once it has printed. */
export async function startFleetProcess(args: string[]): Promise<{ proxyUrl: string; endpointUrl: string; caPath: string; hits(): Promise<Record<string, { mode: RegionMode; hits: number; tunnels: number }>>; close(): void }> {
  const p = Bun.spawn([process.execPath, import.meta.path, ...args], { stdout: "pipe", stderr: "inherit" });
  const reader = p.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the fleet exited before it printed its URL");
    buf += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const { proxyUrl, endpointUrl, caPath } = JSON.parse(buf.split("\n")[0]!) as { proxyUrl: string; endpointUrl: string; caPath: string };
  return { proxyUrl, endpointUrl, caPath, hits: async () => (await fetch(`${proxyUrl}/__fleet`)).json() as never, close: () => p.kill() };
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  const fleet = await startRegionFleet({ regions: (arg("--regions") ?? "us-east-1,us-west-2").split(","), delayMs: num("--delay-ms"), chunkDelayMs: num("--chunk-delay-ms") });
  for (let i = 0; i < process.argv.length; i++) {
    if (process.argv[i] !== "--mode") continue;
    const [region, mode] = process.argv[i + 1]!.split("=");
    fleet.setMode(region!, mode as RegionMode);
  }
  process.stdout.write(`${JSON.stringify({ proxyUrl: fleet.proxyUrl, endpointUrl: fleet.endpointUrl, caPath: fleet.caPath })}\n`);
  const stop = () => void fleet.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
