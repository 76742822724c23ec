// Batch's HTTP handler where no proxy and no CA bundle apply: the SDK's own FetchHttpHandler over Bun's native fetch,
// which keeps a keep-alive pool of its own and costs less CPU per request than the SDK's node:http handler over Bun's
// node:http emulation. Bun's fetch reports network failures in words of its own; they are given back the shape the
// node:http handler gave them (code, name, message), which the SDK's retry classifier, translateAwsError and --debug's
// trace read, so a batch says the same whichever transport carried it.
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import type { HttpHandlerOptions, HttpRequest } from "@smithy/types";

type Target = Pick<HttpRequest, "protocol" | "hostname" | "port">;

/** Codes of older Bun releases, for the same failures. */
const BUN_CODES: Record<string, string> = { ConnectionRefused: "ECONNREFUSED", ConnectionClosed: "ECONNRESET" };
/** A connection that could not be made: node says `connect CODE ADDRESS:PORT`. */
const CONNECT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"]);

/**
 * A failure of Bun's fetch as the node:http handler reported it. Before the response: `connect ECONNREFUSED
 * 127.0.0.1:9` (with address and port, which the exit-5 line names), `socket hang up` named TimeoutError for a
 * connection closed or reset (as the SDK's handler names ECONNRESET), `getaddrinfo ENOTFOUND host` named
 * DNSException. Inside the body: `aborted` for a connection lost mid-answer. Errors without a string code (aborts,
 * the handler's own timeout) are not Bun's network failures and pass as they are.
 */
export function asNodeError(err: unknown, target: Target, during: "request" | "body"): unknown {
  const e = err as { code?: unknown; message?: string; hostname?: string } | undefined;
  if (!(err instanceof Error) || typeof e?.code !== "string") return err;
  const code = BUN_CODES[e.code] ?? e.code;
  if (during === "body") return code === "ECONNRESET" ? Object.assign(new Error("aborted"), { code }) : err;
  if (CONNECT.has(code)) {
    const address = target.hostname.replace(/^\[|\]$/g, "");
    const port = target.port ?? (target.protocol === "https:" ? 443 : 80);
    return Object.assign(new Error(`connect ${code} ${address}:${port}`), { code, syscall: "connect", address, port });
  }
  if (code === "ECONNRESET") return Object.assign(new Error("socket hang up"), { name: "TimeoutError", code });
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return Object.assign(new Error(e.message), { name: "DNSException", code, syscall: "getaddrinfo", hostname: e.hostname ?? target.hostname });
  }
  // TLS failures and the rest: the same code and message, as the plain Error node's handler threw
  return Object.assign(new Error(e.message), { code });
}

/** The response body, its read errors recast (a connection lost mid-answer). Read on demand: nothing is buffered. */
function recastBody(body: ReadableStream<Uint8Array>, target: Target): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        try {
          const { done, value } = await reader.read();
          if (done) c.close();
          else c.enqueue(value);
        } catch (err) {
          c.error(asNodeError(err, target, "body"));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

class RecastFetchHandler extends FetchHttpHandler {
  override async handle(request: HttpRequest, options?: HttpHandlerOptions) {
    let out: Awaited<ReturnType<FetchHttpHandler["handle"]>>;
    try {
      out = await super.handle(request as Parameters<FetchHttpHandler["handle"]>[0], options);
    } catch (err) {
      throw asNodeError(err, request, "request");
    }
    const body = out.response.body as unknown;
    if (body instanceof ReadableStream) out.response.body = recastBody(body, request);
    return out;
  }
}

/**
 * Bun's fetch with what the node:http handler did: no idle limit of its own (Bun cuts a connection silent for 300 s,
 * whatever --timeout says; redux's own first-event and idle timers decide, as over node:http), and no redirects
 * followed (fetch's default would re-send a signed request, session token included, to whatever host a 3xx names).
 * `timeout` is Bun's, and a Request cannot carry it: it goes in fetch's second argument.
 */
const bunFetch = ((input: Request) => fetch(input, { timeout: false, verbose: false } as RequestInit)) as typeof fetch;

/** `timeoutMs` bounds the wait for the response's headers, as the node:http handler's requestTimeout did. */
export const fetchHandler = (timeoutMs: number) =>
  new RecastFetchHandler({ keepAlive: true, requestTimeout: timeoutMs, requestInit: () => ({ redirect: "manual" }), customFetch: bunFetch });
