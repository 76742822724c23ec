// The Bedrock control-plane client (@aws-sdk/client-bedrock: model discovery, batch inference jobs), built lazily with
// the same credentials, proxy and CA handling as the runtime client. Its endpoint follows the SDK's own settings
// (AWS_ENDPOINT_URL_BEDROCK, then AWS_ENDPOINT_URL, then the [services] section or endpoint_url of the profile in use:
// --profile, which bin hands the SDK as AWS_PROFILE) unless one is given; --endpoint-url is the runtime's and never
// reaches it.
import type { BedrockClient } from "@aws-sdk/client-bedrock";
import { credentialProvider, sdkLogger, type DebugLog } from "../aws/credentials.ts";
import { requestHandlerFor, sdkServiceUrl } from "../aws/http.ts";
import { addRequestTrace } from "../aws/request-trace.ts";

interface ControlPlaneOptions {
  region: string;
  profile?: string;
  /** An explicit endpoint; otherwise the SDK reads AWS_ENDPOINT_URL_BEDROCK / AWS_ENDPOINT_URL / the config file itself. */
  endpoint?: string;
  /** Bounds each request (ms). */
  timeoutMs: number;
  maxAttempts?: number;
  /** HTTP/1.1 keep-alive connections (default 4; discovery asks for more to fetch availabilities in parallel). */
  maxSockets?: number;
  debug?: DebugLog;
}

export async function createControlPlaneClient(o: ControlPlaneOptions): Promise<BedrockClient> {
  const [{ BedrockClient }, url] = await Promise.all([import("./control-plane-sdk.ts"), sdkServiceUrl("BEDROCK", o.region, o.endpoint)]);
  const client = new BedrockClient({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
    logger: sdkLogger(o.debug),
    // AWS_BEARER_TOKEN_BEDROCK switches the SDK to bearer auth on its own (no provider then); otherwise the chain signs
    credentials: await credentialProvider({ profile: o.profile, region: o.region, timeoutMs: o.timeoutMs, debug: o.debug }),
    // HTTP/1.1 keep-alive (the control plane's generated default), through the proxy and trusting the CA bundle
    requestHandler: await requestHandlerFor(url, { timeoutMs: o.timeoutMs, http2: false, maxSockets: o.maxSockets ?? 4, profile: o.profile }),
  });
  if (o.debug) addRequestTrace(client, o.debug);
  return client;
}

