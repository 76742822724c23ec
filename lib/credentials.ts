// AWS credentials from the standard chain (env, profiles with SSO/process/assume-role, web identity, ECS, IMDS).
// No vendor login: whatever the SDK's chain finds signs the request.
import type { AwsCredentialIdentityProvider } from "@smithy/types";

export type DebugLog = (line: string) => void;

export interface CredentialOptions {
  profile?: string;
  region: string;
  timeoutMs: number;
  debug?: DebugLog;
}

export async function credentialProvider(o: CredentialOptions): Promise<AwsCredentialIdentityProvider> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  return fromNodeProviderChain({
    ...(o.profile ? { profile: o.profile } : {}),
    clientConfig: { region: o.region },
    ...(o.debug ? { logger: sdkLogger(o.debug) } : {}),
  });
}

/** An SDK logger that forwards only debug lines (the chain's "skipping" reasons) to our trace. */
export const sdkLogger = (debug: DebugLog) => ({
  debug: (...a: unknown[]) => debug(a.map(String).join(" ")),
  info: (...a: unknown[]) => debug(a.map(String).join(" ")),
  warn: (...a: unknown[]) => debug(`warn: ${a.map(String).join(" ")}`),
  error: (...a: unknown[]) => debug(`error: ${a.map(String).join(" ")}`),
  trace: () => {},
});
