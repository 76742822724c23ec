// A process of its own for tests of lib/aws/fetch-handler.ts that need Bun settings read at start (BUN_CONFIG_*):
//   stall    a request to a server that never answers, aborted by the caller at 10 s: prints {name, ms}
//   verbose  one request carrying a session token header: prints `status N`
import { HttpRequest } from "@smithy/protocol-http";
import { fetchHandler } from "../../lib/aws/fetch-handler.ts";

const mode = process.argv[2];
const request = (port: number, headers: Record<string, string> = {}) =>
  new HttpRequest({ protocol: "http:", hostname: "127.0.0.1", port, method: "POST", path: "/", headers, body: "{}" });

if (mode === "stall") {
  const silent = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Promise<Response>(() => {}) });
  const t0 = performance.now();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 10_000);
  try {
    await fetchHandler(30_000).handle(request(silent.port!), { abortSignal: ac.signal });
  } catch (err) {
    console.log(JSON.stringify({ name: (err as Error).name, ms: Math.round(performance.now() - t0) }));
  }
  silent.stop(true);
} else if (mode === "verbose") {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
  const { response } = await fetchHandler(5000).handle(request(s.port!, { "x-amz-security-token": "SESSION-TOKEN" }));
  console.log("status", response.statusCode);
  s.stop(true);
}
