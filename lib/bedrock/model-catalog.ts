// What `redux-chat models` shows: each region's discovery from the cache when it is fresh (no SDK, no call), else
// fetched (regions in parallel) under the credentials' account and cached. With --all-regions a region that does not
// answer (not enabled for the account, or no Bedrock there) is recorded as such instead of failing the whole run.
import { ReduxError, ExitCode, translateAwsError } from "../errors.ts";
import type { DebugLog } from "../aws/credentials.ts";
import { cachedAccount, credentialFingerprint, readDiscovery, rememberAccount, rememberLifecycle, writeDiscovery, type Lifecycle } from "./model-cache.ts";
import type { Discovery } from "./discovery.ts";

/**
 * The commercial regions `--all-regions` asks, where Bedrock is offered (2026). A region the account has not enabled,
 * or where Bedrock does not answer, is reported and skipped.
 */
export const BEDROCK_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "mx-central-1",
  "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
  "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-east-2",
  "me-central-1", "me-south-1", "il-central-1", "af-south-1",
] as const;

interface CatalogOptions {
  regions: string[];
  /** Regions that do not answer are recorded, not fatal (--all-regions). */
  tolerant: boolean;
  profile?: string;
  refresh: boolean;
  timeoutMs: number;
  debug?: DebugLog;
  env?: NodeJS.ProcessEnv;
}

export interface Catalog {
  account: string | null;
  discoveries: Discovery[];
  /** Regions answered from the cache. */
  cached: string[];
}

export async function loadCatalog(o: CatalogOptions): Promise<Catalog> {
  const env = o.env ?? process.env;
  const fp = credentialFingerprint(o.profile, env);
  const known = cachedAccount(fp, env);
  const found = new Map<string, Discovery>();
  if (known && !o.refresh) {
    for (const r of o.regions) {
      const c = readDiscovery(known, r, env);
      if (c.state === "fresh") found.set(r, c.discovery);
      else o.debug?.(`cache for ${r}: ${c.state}${c.state === "damaged" ? " (rebuilt)" : ""}`);
    }
  }
  const cached = [...found.keys()];
  const missing = o.regions.filter((r) => !found.has(r));
  if (!missing.length) return { account: known ?? null, discoveries: o.regions.map((r) => found.get(r)!), cached };

  const [{ resolveCredentials }, { createControlPlaneClient }, { discover, mapLimit, accountFromRows }] = await Promise.all([
    import("../aws/credentials.ts"),
    import("./control-plane.ts"),
    import("./discovery.ts"),
  ]);
  const home = missing[0]!;
  const creds = await resolveCredentials({ profile: o.profile, region: home, timeoutMs: o.timeoutMs, debug: o.debug });
  const who = creds.provider
    ? import("../aws/identity.ts")
        .then(({ callerIdentity }) => callerIdentity({ provider: creds.provider!, region: home, timeoutMs: o.timeoutMs, profile: o.profile }))
        .then((w) => w.account, (err) => void o.debug?.(`account from STS: ${(err as Error).message}`))
    : Promise.resolve(`bearer-${fp.slice(0, 16)}`);

  const fetched = await mapLimit(missing, 8, async (region): Promise<Discovery> => {
    const client = await createControlPlaneClient({ region, profile: o.profile, timeoutMs: o.timeoutMs, maxAttempts: 2, debug: o.debug });
    try {
      return await discover(client, { region, timeoutMs: o.timeoutMs, profile: o.profile, debug: o.debug });
    } catch (err) {
      if (!o.tolerant) throw err;
      const e = translateAwsError(err, { region });
      o.debug?.(`${region} did not answer: ${e.message}`);
      return { region, fetched_at: new Date().toISOString(), rows: [], warnings: [], unreachable: e.message };
    } finally {
      client.destroy();
    }
  });
  if (fetched.every((d) => d.unreachable) && !cached.length) {
    throw new ReduxError(ExitCode.credentials, `no region answered: ${fetched[0]!.unreachable}`, "check the credentials (`redux-test-model --no-invoke`) and that Bedrock is enabled for the account");
  }
  const account = (await who) ?? accountFromRows(fetched.flatMap((d) => d.rows)) ?? `creds-${fp.slice(0, 16)}`;
  try {
    rememberAccount(fp, account, env);
    for (const d of fetched) {
      writeDiscovery(account, d, env);
      const life: Record<string, Lifecycle> = {};
      for (const r of d.rows) {
        if (r.lifecycle && (r.kind === "foundation-model" || r.kind === "system-profile")) life[r.id] = { status: r.lifecycle, end_of_life: r.end_of_life };
      }
      rememberLifecycle(d.region, life, env);
    }
  } catch (err) {
    // a cache that cannot be written costs speed next time, never this answer
    o.debug?.(`cannot write the model cache: ${(err as Error).message}`);
  }
  for (const d of fetched) found.set(d.region, d);
  return { account, discoveries: o.regions.map((r) => found.get(r)!), cached };
}
