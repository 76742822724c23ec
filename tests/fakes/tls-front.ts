// A TLS front for the fake (HTTPS on 127.0.0.1 with a throwaway self-signed certificate made by openssl), so tests
// can prove that a custom CA bundle is trusted and that HTTPS_PROXY tunnels with CONNECT.
import https from "node:https";
import http from "node:http";
import net from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TlsFront {
  url: string;
  /** PEM of the certificate (it is its own CA): what AWS_CA_BUNDLE must point at. */
  caPath: string;
  close(): Promise<void>;
}

/** `names`: more DNS names the certificate is good for (real AWS hosts that a routing proxy sends here). */
export async function startTlsFront(targetUrl: string, o: { names?: string[] } = {}): Promise<TlsFront> {
  const dir = mkdtempSync(join(tmpdir(), "redux-tls-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const r = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", `subjectAltName=${["IP:127.0.0.1", ...(o.names ?? []).map((n) => `DNS:${n}`)].join(",")}`], { stdout: "ignore", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPath: cert,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          res();
        });
      }),
  };
}
