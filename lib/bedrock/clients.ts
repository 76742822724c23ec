// One Bedrock Runtime client per region, all signing with one credential provider: with fallbacks in other regions,
// credentials are still resolved once (one assume-role, SSO or web-identity exchange), in the primary's region.
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { credentialProvider } from "../aws/credentials.ts";
import type { BedrockClientOptions } from "./runtime.ts";

export type ClientFor = (region: string) => Promise<BedrockRuntimeClient>;

/** `credentialRegion`: the region the credential chain runs in (STS for assume-role, web identity): the primary's. */
export function regionClients(o: Omit<BedrockClientOptions, "region" | "credentials"> & { credentialRegion: string }): ClientFor {
  const { credentialRegion, ...rest } = o;
  let credentials: Promise<AwsCredentialIdentityProvider | undefined> | undefined;
  const clients = new Map<string, Promise<BedrockRuntimeClient>>();
  return (region) => {
    let c = clients.get(region);
    if (!c) {
      credentials ??= credentialProvider({ profile: o.profile, region: credentialRegion, timeoutMs: o.timeoutMs, debug: o.debug });
      c = (async () => {
        const { createBedrockClient } = await import("./runtime.ts");
        const provider = await credentials;
        return createBedrockClient({ ...rest, region, ...(provider ? { credentials: provider } : {}) });
      })();
      clients.set(region, c);
      c.catch(() => clients.delete(region));
    }
    return c;
  };
}
