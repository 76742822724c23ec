// --debug's request trace for any SDK client: each request's method, URL and headers (secrets redacted), then its
// status, time and request id, or the error.
import type { DebugLog } from "./credentials.ts";
import { redactHeaders } from "../redact.ts";

/** What the trace needs of a client: its middleware stack (every generated SDK client has one). */
interface Traceable {
  middlewareStack: { add(mw: (next: (args: any) => Promise<any>) => (args: any) => Promise<any>, o: { step: "deserialize"; name: string; priority: "low" }): void };
}

export function addRequestTrace(client: Traceable, debug: DebugLog) {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { method: string; protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string> };
      const t0 = performance.now();
      debug(`→ ${req.method} ${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ""}${req.path} ${JSON.stringify(redactHeaders(req.headers))}`);
      try {
        const out = await next(args);
        const res = out.response as { statusCode?: number; headers?: Record<string, string> };
        debug(`← ${res.statusCode} in ${Math.round(performance.now() - t0)} ms request-id=${res.headers?.["x-amzn-requestid"] ?? "-"}`);
        return out;
      } catch (err) {
        debug(`← ${(err as Error).name}: ${(err as Error).message} after ${Math.round(performance.now() - t0)} ms`);
        throw err;
      }
    },
    { step: "deserialize", name: "reduxRequestTrace", priority: "low" },
  );
}
