// The HTTP layer under every AWS call: Bedrock's default HTTP/2 handler with an inactivity timeout, or an HTTP/1.1
// handler with a keep-alive connection pool (batch runs, and anything that must go through a proxy).
export interface HandlerOptions {
  timeoutMs: number;
  /**
   * HTTP/2 is the SDK's default for Bedrock: one connection (one TLS handshake) per request. Without it, an HTTP/1.1
   * keep-alive pool of `maxSockets` connections is reused across requests, which is what a batch wants.
   */
  http2: boolean;
  maxSockets?: number;
}

/** The requestHandler option for an SDK client that talks to `url`. */
export async function requestHandlerFor(_url: string, o: HandlerOptions): Promise<object> {
  if (o.http2) return { requestTimeout: o.timeoutMs };
  const [{ NodeHttpHandler }, http, https] = await Promise.all([import("@smithy/node-http-handler"), import("node:http"), import("node:https")]);
  const agent = { keepAlive: true, maxSockets: o.maxSockets ?? 50 };
  return new NodeHttpHandler({
    httpAgent: new http.Agent(agent),
    httpsAgent: new https.Agent(agent),
    connectionTimeout: o.timeoutMs,
    requestTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    throwOnRequestTimeout: true,
  });
}
