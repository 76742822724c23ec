// A small forward proxy on 127.0.0.1 for the corporate-network tests. Plain-HTTP requests in absolute-URI form are
// forwarded (stamped `via: 1.1 redux-test-proxy`, so the server side can tell they came through), CONNECT is
// tunnelled, and everything that passed through is recorded. With `auth`, it answers 407 to any request without
// that Basic Proxy-Authorization, as an authenticating corporate proxy does.
import http from "node:http";
import net from "node:net";

export interface ProxySeen {
  method: string;
  /** The absolute URL (forwarded requests) or host:port (CONNECT). */
  target: string;
  /** Whether the request carried a Proxy-Authorization header. */
  authorized: boolean;
  /** The answer: the upstream status for forwarded requests, 200 for an established tunnel, 407/400/502 otherwise. */
  status: number;
}

export interface ConnectProxy {
  url: string;
  port: number;
  seen: ProxySeen[];
  /** TCP connections accepted since start (or since a test set it to 0): what keep-alive is measured by. */
  connections: number;
  close(): Promise<void>;
}

export const VIA = "1.1 redux-test-proxy";

/**
 * `route` sends a CONNECT for a real AWS host (say `portal.sso.eu-central-1.amazonaws.com:443`) to a loopback server
 * instead, as a corporate proxy's DNS would: the test then sees which host, so which region, a client asked for.
 */
export async function startConnectProxy(o: { auth?: { user: string; password: string }; route?: (host: string, port: number) => { host: string; port: number } | undefined } = {}): Promise<ConnectProxy> {
  const seen: ProxySeen[] = [];
  const self = { seen, connections: 0 };
  const sockets = new Set<net.Socket>();
  const expected = o.auth ? `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password}`).toString("base64")}` : undefined;
  const admit = (req: http.IncomingMessage) => !expected || req.headers["proxy-authorization"] === expected;

  const server = http.createServer((req, res) => {
    const entry: ProxySeen = { method: req.method ?? "", target: req.url ?? "", authorized: Boolean(req.headers["proxy-authorization"]), status: 0 };
    seen.push(entry);
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { "content-type": "text/plain", ...headers }).end(text);
    };
    if (!admit(req)) return answer(407, "proxy authentication required", { "proxy-authenticate": 'Basic realm="test"' });
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      return answer(400, "absolute URI required");
    }
    const headers: http.OutgoingHttpHeaders = { ...req.headers, via: VIA };
    delete headers["proxy-connection"];
    delete headers["proxy-authorization"];
    const up = http.request({ host: target.hostname, port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers }, (ur) => {
      entry.status = ur.statusCode ?? 502;
      res.writeHead(entry.status, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => {
      if (!res.headersSent) answer(502, "upstream unreachable");
      else res.destroy();
    });
    req.pipe(up);
  });

  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const entry: ProxySeen = { method: "CONNECT", target: req.url ?? "", authorized: Boolean(req.headers["proxy-authorization"]), status: 0 };
    seen.push(entry);
    if (!admit(req)) {
      entry.status = 407;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const i = (req.url ?? "").lastIndexOf(":");
    const asked = { host: (req.url ?? "").slice(0, i).replace(/^\[|\]$/g, ""), port: Number((req.url ?? "").slice(i + 1)) };
    const to = o.route?.(asked.host, asked.port) ?? asked;
    const up = net.connect(to.port, to.host, () => {
      entry.status = 200;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on("close", () => sockets.delete(up));
    up.on("error", () => {
      if (!entry.status) {
        entry.status = 502;
        client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      } else client.destroy();
    });
    client.on("error", () => up.destroy());
  });

  server.on("connection", (s) => {
    self.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(self, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
}
