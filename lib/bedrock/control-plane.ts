// The Bedrock control-plane client (@aws-sdk/client-bedrock: model discovery, batch inference jobs), built lazily with
// the same credentials, proxy and CA handling as the runtime client. Its endpoint follows the SDK's own settings
// (AWS_ENDPOINT_URL_BEDROCK, then AWS_ENDPOINT_URL) unless one is given.
import type { BedrockClient } from "@aws-sdk/client-bedrock";
import { credentialProvider, sdkLogger, type DebugLog } from "../aws/credentials.ts";
import { requestHandlerFor, serviceUrl } from "../aws/http.ts";

export interface ControlPlaneOptions {
  region: string;
  profile?: string;
  /** An explicit endpoint; otherwise the SDK reads AWS_ENDPOINT_URL_BEDROCK / AWS_ENDPOINT_URL itself. */
  endpoint?: string;
  /** Bounds each request (ms). */
  timeoutMs: number;
  maxAttempts?: number;
  debug?: DebugLog;
}

export async function createControlPlaneClient(o: ControlPlaneOptions): Promise<BedrockClient> {
  const { BedrockClient } = await import("@aws-sdk/client-bedrock");
  return new BedrockClient({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
    logger: sdkLogger(o.debug),
    // AWS_BEARER_TOKEN_BEDROCK switches the SDK to bearer auth on its own (no provider then); otherwise the chain signs
    credentials: await credentialProvider({ profile: o.profile, region: o.region, timeoutMs: o.timeoutMs, debug: o.debug }),
    // HTTP/1.1 keep-alive (the control plane's generated default), through the proxy and trusting the CA bundle
    requestHandler: await requestHandlerFor(serviceUrl("BEDROCK", o.region, o.endpoint), { timeoutMs: o.timeoutMs, http2: false, maxSockets: 4 }),
  });
}
