// Who the credentials belong to: STS GetCallerIdentity, through the same proxy and CA settings as everything else.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { translateAwsError } from "../errors.ts";
import { requestHandlerFor, sdkServiceUrl } from "./http.ts";

interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export async function callerIdentity(o: { provider: AwsCredentialIdentityProvider; region: string; timeoutMs: number; profile?: string; selfTest?: boolean }): Promise<CallerIdentity> {
  const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  const client = new STSClient({
    region: o.region,
    credentials: o.provider,
    maxAttempts: 2,
    requestHandler: await requestHandlerFor(await sdkServiceUrl("STS", o.region), { timeoutMs: o.timeoutMs, http2: false, profile: o.profile }),
  });
  try {
    const r = await client.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(o.timeoutMs) });
    return { account: r.Account ?? "", arn: r.Arn ?? "", userId: r.UserId ?? "" };
  } catch (err) {
    throw translateAwsError(err, { region: o.region, profile: o.profile, action: "sts:GetCallerIdentity", service: "STS", selfTest: o.selfTest });
  } finally {
    client.destroy();
  }
}
