// A small forward proxy on 127.0.0.1 for the corporate-network tests: absolute-URI requests (plain HTTP) are
// forwarded, CONNECT is tunnelled, and everything that passed through is recorded.
import http from "node:http";
import net from "node:net";

export interface ProxySeen {
  method: string;
  /** The absolute URL (forwarded requests) or host:port (CONNECT). */
  target: string;
}

export interface ForwardProxy {
  url: string;
  seen: ProxySeen[];
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const seen: ProxySeen[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", target: req.url ?? "" });
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("absolute URI required");
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-connection"];
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on("connect", (req, client, head) => {
    seen.push({ method: "CONNECT", target: req.url ?? "" });
    const [host, port] = (req.url ?? "").split(":");
    const up = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on("error", () => client.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
