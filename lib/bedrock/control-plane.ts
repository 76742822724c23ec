// The Bedrock control-plane client (@aws-sdk/client-bedrock: model discovery, batch inference jobs), built lazily with
// the same credentials, proxy and CA handling as the runtime client. Its endpoint follows the SDK's own settings
// (AWS_ENDPOINT_URL_BEDROCK, then AWS_ENDPOINT_URL, then the profile's [services] section or endpoint_url) unless one
// is given; --endpoint-url is the runtime's and never reaches it.
import type { BedrockClient } from "@aws-sdk/client-bedrock";
import { credentialProvider, sdkLogger, type DebugLog } from "../aws/credentials.ts";
import { configuredEndpoint, requestHandlerFor, serviceUrl } from "../aws/http.ts";
import { addRequestTrace } from "../aws/request-trace.ts";

export interface ControlPlaneOptions {
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

/**
 * Where the SDK will send the control plane's requests, so the proxy/CA handler is chosen for that URL: the
 * environment, else the config file's endpoint as the SDK's own resolver reads it, else `bedrock.<region>`.
 */
async function controlPlaneUrl(region: string, explicit?: string): Promise<string> {
  if (explicit || configuredEndpoint("BEDROCK")) return serviceUrl("BEDROCK", region, explicit);
  try {
    const { resolveEndpointConfig } = await import("@smithy/core/endpoints");
    const cfg = resolveEndpointConfig({ serviceId: "Bedrock" } as Parameters<typeof resolveEndpointConfig>[0]) as { serviceConfiguredEndpoint?: () => Promise<string | undefined> };
    const fromConfig = await cfg.serviceConfiguredEndpoint?.();
    if (fromConfig) return fromConfig;
  } catch {
    // a profile naming a missing [services] section: the SDK's own request says so
  }
  return serviceUrl("BEDROCK", region);
}

export async function createControlPlaneClient(o: ControlPlaneOptions): Promise<BedrockClient> {
  const [{ BedrockClient }, url] = await Promise.all([import("@aws-sdk/client-bedrock"), controlPlaneUrl(o.region, o.endpoint)]);
  const client = new BedrockClient({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
    logger: sdkLogger(o.debug),
    // AWS_BEARER_TOKEN_BEDROCK switches the SDK to bearer auth on its own (no provider then); otherwise the chain signs
    credentials: await credentialProvider({ profile: o.profile, region: o.region, timeoutMs: o.timeoutMs, debug: o.debug }),
    // HTTP/1.1 keep-alive (the control plane's generated default), through the proxy and trusting the CA bundle
    requestHandler: await requestHandlerFor(url, { timeoutMs: o.timeoutMs, http2: false, maxSockets: o.maxSockets ?? 4 }),
  });
  if (o.debug) addRequestTrace(client, o.debug);
  return client;
}

