// Model discovery: what these credentials can call in a region, from the control plane's own lists (foundation
// models, system and application inference profiles, provisioned throughput, custom and imported models) and each
// foundation model's availability. A list call that is denied becomes a warning naming its IAM action; the others
// still count. Rows are the `--json` output of `redux-chat models` (schemas/models-output.schema.json).
import type { BedrockClient, FoundationModelSummary, InferenceProfileSummary } from "@aws-sdk/client-bedrock";
import { ReduxError, ExitCode, translateAwsError } from "../errors.ts";
import type { DebugLog } from "../aws/credentials.ts";
import { stripProfilePrefix } from "./model-string.ts";

export type Invocation = "on-demand" | "profile-only" | "provisioned";
export type Access = "authorized" | "agreement-pending" | "agreement-needed" | "not-authorized" | "not-available" | "unknown";
export type RowKind = "foundation-model" | "system-profile" | "application-profile" | "provisioned" | "custom" | "imported";

export interface ModelRow {
  /** The string to pass to -m: `custom:<region>:<id>`. */
  model: string;
  region: string;
  /** What is invoked: a model id, a profile id, or an ARN. */
  id: string;
  kind: RowKind;
  provider: string | null;
  name: string;
  input_modalities: string[];
  output_modalities: string[];
  streaming: boolean | null;
  invocation: Invocation;
  /** For a model that only answers through an inference profile: the model string of the profile to use. */
  profile: string | null;
  /** The foundation model a profile, provisioned throughput or custom model stands on. */
  base_model: string | null;
  /** For a system-defined profile: the regions it routes to (from its models[].modelArn). */
  regions: string[] | null;
  lifecycle: "ACTIVE" | "LEGACY" | null;
  /** LEGACY models: the end-of-life date (YYYY-MM-DD), when announced. */
  end_of_life: string | null;
  access: Access;
}

export interface DiscoveryWarning {
  /** The IAM action or operation that failed, e.g. `bedrock:ListProvisionedModelThroughputs`. */
  action: string;
  message: string;
  code: number;
}

export interface Discovery {
  region: string;
  fetched_at: string;
  rows: ModelRow[];
  warnings: DiscoveryWarning[];
  /** Set when the region did not answer at all (not enabled for the account, or no Bedrock there). */
  unreachable?: string;
}

/** The region field of an ARN (field 4), or undefined. */
export const arnRegion = (arn: string) => arn.split(":")[3] || undefined;
/** The foundation model id a `...:foundation-model/<id>` ARN names. */
export const foundationModelOf = (arn: string | undefined) => (arn && /:foundation-model\/(.+)$/.exec(arn)?.[1]) || undefined;
/** The vendor part of an id (`anthropic` of `us.anthropic.claude-…`). */
export const vendorOf = (id: string) => stripProfilePrefix(id).split(".")[0]!.toLowerCase();

export interface ProfileCandidate {
  id: string;
  baseModel: string | null;
  regions: string[] | null;
}

/**
 * The system-defined inference profile to call `modelId` through from `region`: one that routes to that model and
 * whose models[].modelArn include the region, a geographic one (`us.`, `eu.`, `apac.`…) before `global.`.
 */
export function chooseProfile(modelId: string, region: string, profiles: ProfileCandidate[]): string | undefined {
  const fits = profiles.filter((p) => p.baseModel === modelId && p.regions?.includes(region));
  return (fits.find((p) => !p.id.startsWith("global.")) ?? fits[0])?.id;
}

function accessOf(a: { agreementAvailability?: { status?: string }; authorizationStatus?: string; regionAvailability?: string }): Access {
  if (a.regionAvailability === "NOT_AVAILABLE") return "not-available";
  if (a.authorizationStatus === "NOT_AUTHORIZED") return "not-authorized";
  const agreement = a.agreementAvailability?.status;
  if (agreement === "PENDING") return "agreement-pending";
  if (agreement === "NOT_AVAILABLE") return "agreement-needed";
  if (agreement === "AVAILABLE" && a.authorizationStatus === "AUTHORIZED") return "authorized";
  return "unknown";
}

const day = (d: Date | string | undefined) => (d ? new Date(d).toISOString().slice(0, 10) : null);
const lower = (xs: string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase());

/** Runs `fn` over `items`, at most `n` at a time, in order of the results. */
export async function mapLimit<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

interface DiscoverOptions {
  region: string;
  timeoutMs: number;
  /** Parallel GetFoundationModelAvailability calls. */
  concurrency?: number;
  debug?: DebugLog;
  profile?: string;
}

/**
 * Lists everything callable in one region. Throws only when the credentials fail (exit 3) or when every list call
 * failed; otherwise each failure is a warning and the rest is returned.
 */
export async function discover(client: BedrockClient, o: DiscoverOptions): Promise<Discovery> {
  const sdk = await import("./control-plane-sdk.ts");
  const { region } = o;
  const warnings: DiscoveryWarning[] = [];
  const lists = await listEverything(client, sdk, o, warnings);
  const fms = new Map<string, FoundationModelSummary>((lists.models ?? []).map((m) => [m.modelId!, m]));
  const access = await availabilityOf([...fms.keys()], client, sdk, o, warnings);
  return { region, fetched_at: new Date().toISOString(), rows: rowsOf(region, fms, access, lists), warnings };
}

type BedrockSdk = typeof import("./control-plane-sdk.ts");
type Lists = Awaited<ReturnType<typeof listEverything>>;

/** The six list calls at once; each failure is a warning, and all six failing is an error. */
async function listEverything(client: BedrockClient, sdk: BedrockSdk, o: DiscoverOptions, warnings: DiscoveryWarning[]) {
  const { region } = o;
  const failures: ReduxError[] = [];
  const opts = () => ({ abortSignal: AbortSignal.timeout(o.timeoutMs) });
  const attempt = async <T>(op: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      const e = translateAwsError(err, { region, profile: o.profile, action: `bedrock:${op}` });
      if (e.code === ExitCode.credentials) throw e;
      failures.push(e);
      const denied = (err as Error)?.name === "AccessDeniedException" || (err as Error)?.name === "AccessDenied";
      warnings.push({ action: `bedrock:${op}`, message: denied ? `access denied: ${firstLine((err as Error).message)}` : e.message, code: e.code });
      o.debug?.(`${op} in ${region} failed: ${e.message}`);
      return undefined;
    }
  };
  const pages = async <T>(it: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const p of it) out.push(p);
    return out;
  };
  const paginator = { client, pageSize: 1000 };
  const [models, system, application, provisioned, custom, imported] = await Promise.all([
    attempt("ListFoundationModels", async () => (await client.send(new sdk.ListFoundationModelsCommand({}), opts())).modelSummaries ?? []),
    attempt("ListInferenceProfiles", async () => (await pages(sdk.paginateListInferenceProfiles(paginator, { typeEquals: "SYSTEM_DEFINED" }))).flatMap((p) => p.inferenceProfileSummaries ?? [])),
    attempt("ListInferenceProfiles", async () => (await pages(sdk.paginateListInferenceProfiles(paginator, { typeEquals: "APPLICATION" }))).flatMap((p) => p.inferenceProfileSummaries ?? [])),
    attempt("ListProvisionedModelThroughputs", async () => (await pages(sdk.paginateListProvisionedModelThroughputs(paginator, {}))).flatMap((p) => p.provisionedModelSummaries ?? [])),
    attempt("ListCustomModels", async () => (await pages(sdk.paginateListCustomModels(paginator, {}))).flatMap((p) => p.modelSummaries ?? [])),
    attempt("ListImportedModels", async () => (await pages(sdk.paginateListImportedModels(paginator, {}))).flatMap((p) => p.modelSummaries ?? [])),
  ]);
  // the same action denied for both profile types is one warning
  const seen = new Set<string>();
  for (let i = warnings.length - 1; i >= 0; i--) if (seen.has(warnings[i]!.action) || !seen.add(warnings[i]!.action)) warnings.splice(i, 1);
  if (failures.length === 6) {
    const first = failures[0]!;
    const actions = warnings.map((w) => w.action).join(", ");
    if (failures.every((f) => f.code === ExitCode.access)) {
      throw new ReduxError(ExitCode.access, `no Bedrock list call succeeded in ${region}: access denied to ${actions}`, `allow the IAM actions ${actions} (and bedrock:GetFoundationModelAvailability) for these credentials`, { cause: first });
    }
    throw new ReduxError(first.code, `no Bedrock list call succeeded in ${region}: ${first.message}`, first.hint, { cause: first });
  }
  return { models, system, application, provisioned, custom, imported };
}

/** Each foundation model's access; once the call is denied, the rest are unknown (one warning). */
async function availabilityOf(ids: string[], client: BedrockClient, sdk: BedrockSdk, o: DiscoverOptions, warnings: DiscoveryWarning[]): Promise<Map<string, Access>> {
  const { region } = o;
  let availabilityDenied = false;
  const access = new Map<string, Access>();
  await mapLimit(ids, o.concurrency ?? 8, async (id) => {
    if (availabilityDenied) return access.set(id, "unknown");
    try {
      const a = await client.send(new sdk.GetFoundationModelAvailabilityCommand({ modelId: id }), { abortSignal: AbortSignal.timeout(o.timeoutMs) });
      access.set(id, accessOf(a));
    } catch (err) {
      access.set(id, "unknown");
      const e = translateAwsError(err, { region, action: "bedrock:GetFoundationModelAvailability" });
      if (e.code === ExitCode.credentials) throw e;
      if (!availabilityDenied && (err as Error)?.name === "AccessDeniedException") {
        availabilityDenied = true;
        warnings.push({ action: "bedrock:GetFoundationModelAvailability", message: `access denied: ${firstLine((err as Error).message)}; access is shown as unknown`, code: e.code });
      } else o.debug?.(`GetFoundationModelAvailability ${id} in ${region}: ${e.message}`);
    }
  });
  return access;
}

/** One row per foundation model, profile, provisioned throughput, custom and imported model. */
function rowsOf(region: string, fms: Map<string, FoundationModelSummary>, access: Map<string, Access>, lists: Lists): ModelRow[] {
  const profileRows = [...(lists.system ?? []), ...(lists.application ?? [])];
  const candidates: ProfileCandidate[] = profileRows.map((p) => ({ id: p.inferenceProfileId!, baseModel: foundationModelOf(p.models?.[0]?.modelArn) ?? null, regions: regionsOf(p) }));
  const model = (id: string) => `custom:${region}:${id}`;
  const fromBase = (base: string | undefined) => {
    const f = base ? fms.get(base) : undefined;
    return {
      provider: f?.providerName ?? null,
      input_modalities: lower(f?.inputModalities),
      output_modalities: lower(f?.outputModalities),
      streaming: f?.responseStreamingSupported ?? null,
      lifecycle: (f?.modelLifecycle?.status as ModelRow["lifecycle"]) ?? null,
      end_of_life: f?.modelLifecycle?.status === "LEGACY" ? day(f.modelLifecycle.endOfLifeTime) : null,
      access: (base && access.get(base)) || ("unknown" as Access),
    };
  };
  const rows: ModelRow[] = [];
  for (const f of fms.values()) {
    const types: string[] = f.inferenceTypesSupported ?? [];
    const invocation: Invocation = types.includes("ON_DEMAND") ? "on-demand" : types.includes("INFERENCE_PROFILE") ? "profile-only" : "provisioned";
    const profile = invocation === "profile-only" ? chooseProfile(f.modelId!, region, candidates) : undefined;
    rows.push({
      model: model(f.modelId!), region, id: f.modelId!, kind: "foundation-model", name: f.modelName ?? f.modelId!, ...fromBase(f.modelId), invocation,
      profile: profile ? model(profile) : null, base_model: null, regions: null,
    });
  }
  for (const p of profileRows) {
    const base = foundationModelOf(p.models?.[0]?.modelArn);
    const app = p.type === "APPLICATION";
    // an application profile is invoked by its ARN
    const id = app ? p.inferenceProfileArn! : p.inferenceProfileId!;
    rows.push({
      model: model(id), region, id, kind: app ? "application-profile" : "system-profile", name: p.inferenceProfileName ?? id, ...fromBase(base),
      invocation: "on-demand", profile: null, base_model: base ?? null, regions: regionsOf(p),
    });
  }
  for (const t of lists.provisioned ?? []) {
    const base = foundationModelOf(t.foundationModelArn) ?? foundationModelOf(t.modelArn);
    rows.push({
      model: model(t.provisionedModelArn!), region, id: t.provisionedModelArn!, kind: "provisioned", name: t.provisionedModelName ?? "", ...fromBase(base),
      access: t.status === "InService" ? "authorized" : "not-available", invocation: "provisioned", profile: null, base_model: base ?? null, regions: null,
    });
  }
  for (const c of lists.custom ?? []) {
    const base = foundationModelOf(c.baseModelArn);
    rows.push({
      model: model(c.modelArn!), region, id: c.modelArn!, kind: "custom", name: c.modelName ?? "", ...fromBase(base), access: "unknown",
      lifecycle: null, end_of_life: null, invocation: "provisioned", profile: null, base_model: base ?? null, regions: null,
    });
  }
  for (const m of lists.imported ?? []) {
    rows.push({
      model: model(m.modelArn!), region, id: m.modelArn!, kind: "imported", name: m.modelName ?? "", provider: null, input_modalities: ["text"], output_modalities: ["text"],
      streaming: null, invocation: "on-demand", profile: null, base_model: null, regions: null, lifecycle: null, end_of_life: null, access: "unknown",
    });
  }
  return rows;
}

const regionsOf = (p: InferenceProfileSummary) => {
  const rs = (p.models ?? []).map((m) => arnRegion(m.modelArn ?? "")).filter((r): r is string => Boolean(r));
  return rs.length ? [...new Set(rs)] : null;
};

const firstLine = (s: string) => (s ?? "").split("\n")[0]!.trim();

/** Does a row belong to a provider (case-insensitive; profiles and provisioned rows by the model they point at)? */
export function matchesProvider(row: ModelRow, provider: string): boolean {
  const p = provider.trim().toLowerCase();
  if (row.provider && row.provider.toLowerCase() === p) return true;
  const id = row.base_model ?? (row.kind === "foundation-model" || row.kind === "system-profile" ? row.id : "");
  return Boolean(id) && vendorOf(id) === p;
}

/** The account an answer's ARNs name (inference profiles, provisioned, custom and imported models carry it). */
export function accountFromRows(rows: ModelRow[]): string | undefined {
  for (const r of rows) {
    const acct = (r.id.startsWith("arn:") ? r.id : "").split(":")[4];
    if (acct && /^\d{12}$/.test(acct)) return acct;
  }
  return undefined;
}
