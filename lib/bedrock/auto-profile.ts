// Automatic inference profile: a bare foundation-model id that Bedrock refuses with "on-demand throughput isn't
// supported" is retried once, in the same turn, through the system-defined profile that routes to that model from the
// region (from ListInferenceProfiles: the discovery cache when it is fresh, else one live listing), never a hard-coded
// prefix. An id the user gave as a profile or an ARN is never rewritten. `--no-auto-profile` or the setting
// chat.autoProfile=false turn it off.
import type { ReduxError } from "../errors.ts";
import type { DebugLog } from "../aws/credentials.ts";
import { validateModelId } from "./model-string.ts";
import { chooseProfile, foundationModelOf, type ProfileCandidate } from "./discovery.ts";
import { cachedAccount, credentialFingerprint, readDiscovery } from "./model-cache.ts";

export interface AutoProfileOptions {
  profile?: string;
  timeoutMs: number;
  debug?: DebugLog;
  env?: NodeJS.ProcessEnv;
  /** Finds the profile (default: profileFor); a batch shares one lookup per model across its items. */
  lookup?: (region: string, modelId: string) => Promise<string | undefined>;
  /** Told before the retry: the id that was refused and the profile tried instead. */
  onSwitch?(from: { region: string; modelId: string }, profileId: string): void;
}

/** Is this Bedrock's "on-demand throughput isn't supported" refusal? */
function needsProfile(err: ReduxError | undefined): boolean {
  const cause = (err?.cause ?? {}) as { name?: string; message?: string };
  return cause.name === "ValidationException" && /on-demand throughput/i.test(cause.message ?? "");
}

/** The profile to call `modelId` through from `region`, or undefined when ListInferenceProfiles names none. */
export async function profileFor(region: string, modelId: string, o: AutoProfileOptions): Promise<string | undefined> {
  const env = o.env ?? process.env;
  const account = cachedAccount(credentialFingerprint(o.profile, env), env);
  const cached = account ? readDiscovery(account, region, env) : undefined;
  if (cached?.state === "fresh") {
    const candidates = cached.discovery.rows.filter((r) => r.kind === "system-profile").map((r) => ({ id: r.id, baseModel: r.base_model, regions: r.regions }));
    const id = chooseProfile(modelId, region, candidates);
    if (id) return id;
  }
  const [{ createControlPlaneClient }, { paginateListInferenceProfiles }] = await Promise.all([import("./control-plane.ts"), import("./control-plane-sdk.ts")]);
  const client = await createControlPlaneClient({ region, profile: o.profile, timeoutMs: o.timeoutMs, maxAttempts: 2, debug: o.debug });
  try {
    const candidates: ProfileCandidate[] = [];
    for await (const page of paginateListInferenceProfiles({ client, pageSize: 1000 }, { typeEquals: "SYSTEM_DEFINED" })) {
      for (const p of page.inferenceProfileSummaries ?? []) {
        const arns = (p.models ?? []).map((m) => m.modelArn ?? "");
        candidates.push({ id: p.inferenceProfileId ?? "", baseModel: foundationModelOf(arns[0]) ?? null, regions: [...new Set(arns.map((a) => a.split(":")[3] ?? "").filter(Boolean))] });
      }
    }
    return chooseProfile(modelId, region, candidates);
  } catch (err) {
    o.debug?.(`ListInferenceProfiles in ${region} for the automatic profile: ${(err as Error).message}`);
    return undefined;
  } finally {
    client.destroy();
  }
}

/**
 * After a try that failed: when it was a bare foundation-model id refused for on-demand throughput, the same request
 * once more through its profile. Returns the result to use and, when the profile was called, its id.
 */
export async function throughProfile<R extends { error?: ReduxError }>(
  first: R,
  t: { region: string; modelId: string },
  send: (modelId: string) => Promise<R>,
  o: AutoProfileOptions,
): Promise<{ result: R; profileId?: string }> {
  if (!needsProfile(first.error)) return { result: first };
  let kind: string;
  try {
    kind = validateModelId(t.modelId, t.region);
  } catch {
    return { result: first };
  }
  if (kind !== "foundation-model") return { result: first };
  let profileId: string | undefined;
  try {
    profileId = await (o.lookup ?? ((r, m) => profileFor(r, m, o)))(t.region, t.modelId);
  } catch (err) {
    // the lookup is a help, never a new failure: the refusal stays what the user sees
    o.debug?.(`no automatic inference profile: ${(err as Error).message}`);
  }
  if (!profileId) return { result: first };
  o.onSwitch?.(t, profileId);
  return { result: await send(profileId), profileId };
}
