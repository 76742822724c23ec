// Lifecycle of the model a turn calls: LEGACY models get one warning with their end-of-life date. The answer is cached
// per region for 24 h (~/.amazon-q/cache/lifecycle-<region>.json, also filled by `redux-chat models`), so it costs
// one GetFoundationModel a day per model, never a call per turn. Lookups never fail a turn: an error is no warning.
import type { DebugLog } from "../aws/credentials.ts";
import { stripProfilePrefix, validateModelId } from "./model-string.ts";
import { cachedLifecycle, rememberLifecycle, type Lifecycle } from "./model-cache.ts";

interface LifecycleOptions {
  profile?: string;
  timeoutMs: number;
  debug?: DebugLog;
  env?: NodeJS.ProcessEnv;
}

const remember = (region: string, entries: Record<string, Lifecycle>, o: LifecycleOptions) => {
  try {
    rememberLifecycle(region, entries, o.env);
  } catch (err) {
    o.debug?.(`cannot write the lifecycle cache: ${(err as Error).message}`);
  }
};

/**
 * Whether a lifecycle lookup may be sent at all. Not when the runtime was pointed somewhere (--endpoint-url,
 * AWS_ENDPOINT_URL_BEDROCK_RUNTIME) and the control plane was not: the lookup would go to the public AWS endpoint that
 * the person chose not to use (a VPC endpoint, a gateway, a test fake), and on a closed network it could only wait.
 */
export function lifecycleReachable(runtimeEndpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const runtimeMoved = Boolean(runtimeEndpoint || env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME);
  return !runtimeMoved || Boolean(env.AWS_ENDPOINT_URL_BEDROCK || env.AWS_ENDPOINT_URL);
}

/** The cached lifecycle of a model id (a profile id stands for its foundation model), or undefined. */
export function knownLifecycle(region: string, modelId: string, env: NodeJS.ProcessEnv = process.env): Lifecycle | undefined {
  return cachedLifecycle(region, modelId, env);
}

/** Looks the lifecycle up (GetFoundationModel of the model, or of the model a profile id names) and caches it. */
export async function fetchLifecycle(region: string, modelId: string, o: LifecycleOptions): Promise<Lifecycle | undefined> {
  let kind: string;
  try {
    kind = validateModelId(modelId, region);
  } catch {
    return undefined;
  }
  if (kind === "arn") return undefined;
  const base = stripProfilePrefix(modelId);
  const [{ createControlPlaneClient }, { GetFoundationModelCommand }] = await Promise.all([import("./control-plane.ts"), import("./control-plane-sdk.ts")]);
  const client = await createControlPlaneClient({ region, profile: o.profile, timeoutMs: o.timeoutMs, maxAttempts: 1, debug: o.debug });
  try {
    const r = await client.send(new GetFoundationModelCommand({ modelIdentifier: base }), { abortSignal: AbortSignal.timeout(o.timeoutMs) });
    const l = r.modelDetails?.modelLifecycle;
    const life: Lifecycle = {
      status: l?.status === "LEGACY" ? "LEGACY" : l?.status === "ACTIVE" ? "ACTIVE" : "UNKNOWN",
      end_of_life: l?.status === "LEGACY" && l.endOfLifeTime ? new Date(l.endOfLifeTime).toISOString().slice(0, 10) : null,
    };
    remember(region, { [modelId]: life }, o);
    return life;
  } catch (err) {
    const name = (err as Error)?.name;
    o.debug?.(`lifecycle of ${base} in ${region}: ${name}: ${(err as Error)?.message}`);
    // whatever the failure (a model the control plane does not know, no bedrock:GetFoundationModel, no route), it is
    // asked again tomorrow, not each turn: a turn never waits twice for a lookup that cannot answer
    remember(region, { [modelId]: { status: "UNKNOWN", end_of_life: null } }, o);
    return undefined;
  } finally {
    client.destroy();
  }
}

/** The warning for a LEGACY model, or undefined. */
export const legacyWarning = (model: string, l: Lifecycle | undefined) =>
  l?.status === "LEGACY" ? `${model} is a LEGACY model${l.end_of_life ? `: end of life ${l.end_of_life}` : ""}; move to a newer one (redux-chat models lists them)` : undefined;
