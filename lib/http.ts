// The HTTP layer under every AWS call: Bedrock's HTTP/2 handler with an inactivity timeout, and the HTTP/1.1
// handler used when a proxy sits in between.
export interface HandlerOptions {
  timeoutMs: number;
  /** Bedrock's client speaks HTTP/2; STS, SSO and the metadata services speak HTTP/1.1. */
  http2: boolean;
}

/** The requestHandler option for an SDK client that talks to `url`. */
export async function requestHandlerFor(_url: string, o: HandlerOptions): Promise<object> {
  if (o.http2) return { requestTimeout: o.timeoutMs };
  const { NodeHttpHandler } = await import("@smithy/node-http-handler");
  return new NodeHttpHandler({ connectionTimeout: o.timeoutMs, requestTimeout: o.timeoutMs, socketTimeout: o.timeoutMs, throwOnRequestTimeout: true });
}
