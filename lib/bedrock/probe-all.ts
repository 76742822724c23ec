// `redux-test-model --all`: the smoke test for every callable text model of a region at once. The credentials and
// identity are checked once, the models come from discovery (cached 24 h), and each gets a 1-token Converse (a
// profile-only model through its inference profile), at most `concurrency` at a time over one keep-alive pool.
// Models whose availability says they cannot answer (agreement pending, not available in the region) are reported,
// not called. Each model's result is a SmokeReport, so `--json` is an array of what one model's run prints.
import { ReduxError, ExitCode, isReduxError } from "../errors.ts";
import type { DebugLog } from "../aws/credentials.ts";
import { answerDetail, emptyReport, runSharedChecks, type Check, type SmokeReport } from "./smoke-test.ts";
import type { ModelRow } from "./discovery.ts";
import { tierOf, turnCost } from "./prices.ts";

interface ProbeAllOptions {
  region: string;
  profile?: string;
  endpoint?: string;
  concurrency: number;
  timeoutMs: number;
  debug?: DebugLog;
  /** The shared checks (model list, credentials, identity), as they finish. */
  onCheck?: (c: Check) => void;
  /** Each model's report, as soon as its probe is done. */
  onModel?: (r: SmokeReport, row: ModelRow) => void;
}

interface ProbeAllResult {
  /** The shared checks' own report (no model): what --json shows when they failed and nothing was probed. */
  base: SmokeReport;
  /** The credentials and identity checks every model shares. */
  shared: Check[];
  reports: SmokeReport[];
  exit_code: number;
  probed: number;
  answered: number;
}

/** Text in, text out, callable without provisioned throughput. */
const isProbeable = (r: ModelRow) =>
  r.kind === "foundation-model" && r.invocation !== "provisioned" && r.input_modalities.includes("text") && r.output_modalities.includes("text");

const NOT_PROBED: Partial<Record<ModelRow["access"], { detail: string; hint: string }>> = {
  "agreement-pending": { detail: "agreement pending: not called", hint: "the model access request is still being processed; try again later" },
  "agreement-needed": { detail: "no agreement: not called", hint: "request access to the model in the Bedrock console (Model access)" },
  "not-authorized": { detail: "not authorized: not called", hint: "request access to the model in the Bedrock console (Model access)" },
  "not-available": { detail: "not available in this region: not called", hint: "use another region, or its cross-region inference profile" },
};

export async function probeAll(o: ProbeAllOptions): Promise<ProbeAllResult> {
  // model list, credentials and identity once: their checks head every model's report
  const base = await runSharedChecks({ region: o.region, profile: o.profile, invoke: false, timeoutMs: o.timeoutMs, debug: o.debug, onCheck: o.onCheck });
  const shared = base.checks;
  const failed = shared.find((c) => !c.ok && !c.skipped) ?? (base.credential_source ? undefined : shared[0]);
  if (failed) return { base, shared, reports: [], exit_code: base.exit_code || ExitCode.credentials, probed: 0, answered: 0 };

  const { loadCatalog } = await import("./model-catalog.ts");
  const catalog = await loadCatalog({ regions: [o.region], tolerant: false, profile: o.profile, refresh: false, timeoutMs: o.timeoutMs, debug: o.debug });
  const rows = catalog.discoveries[0]!.rows.filter(isProbeable).sort((a, b) => a.id.localeCompare(b.id));
  if (!rows.length) throw new ReduxError(ExitCode.access, `no callable text model found in ${o.region}`, "`redux-chat models --refresh` shows what the credentials can list");

  const [{ createBedrockClient, converseOnce }, { mapLimit }] = await Promise.all([import("./runtime.ts"), import("./discovery.ts")]);
  const client = await createBedrockClient({ region: o.region, profile: o.profile, endpoint: o.endpoint, timeoutMs: o.timeoutMs, maxAttempts: 2, pool: o.concurrency, debug: o.debug });
  const head = { ...emptyReport(), ...Object.fromEntries(Object.entries(base).filter(([k]) => !["checks", "model", "region", "model_id", "model_kind", "ok", "exit_code", "latency_ms", "usage"].includes(k))) } as SmokeReport;
  let firstFailure: number | undefined;
  let probed = 0;
  let answered = 0;
  const reports = await mapLimit(rows, o.concurrency, async (row) => {
    const viaProfile = row.invocation === "profile-only" ? row.profile?.split(":").slice(2).join(":") : undefined;
    const callId = viaProfile ?? row.id;
    const report: SmokeReport = {
      ...head,
      model: row.model,
      region: row.region,
      model_id: callId,
      model_kind: viaProfile ? "inference-profile" : "foundation-model",
      checks: [{ name: "model", ok: true, detail: `${row.model} · region ${row.region} · ${row.name}${viaProfile ? ` · profile only: through ${viaProfile}` : ""} (from --all)` }, ...shared],
    };
    const finish = (c: Check, code: number) => {
      report.checks.push(c);
      report.ok = c.ok;
      report.exit_code = code;
      o.onModel?.(report, row);
      return report;
    };
    const skip = NOT_PROBED[row.access];
    if (skip) return finish({ name: "invoke", ok: false, skipped: true, detail: skip.detail, error: "access", hint: skip.hint }, ExitCode.access);
    if (row.invocation === "profile-only" && !viaProfile) {
      return finish({ name: "invoke", ok: false, skipped: true, detail: "only callable through an inference profile, and none covers this region: not called", error: "access" }, ExitCode.access);
    }
    probed++;
    try {
      const r = await converseOnce(
        client,
        { modelId: callId, messages: [{ role: "user", content: [{ text: "Reply with OK." }] }], inference: { max_tokens: 1 } },
        { timeoutMs: o.timeoutMs, ctx: { region: row.region, modelId: callId, profile: o.profile, selfTest: true, action: "bedrock:InvokeModel" } },
      );
      answered++;
      report.latency_ms = r.latencyMs;
      report.usage = r.usage ?? null;
      // what the probe cost, as the single-model report says it (priced as the id called, at the tier that answered)
      report.cost = turnCost(callId, row.region, r.usage, tierOf(undefined, r.serviceTier));
      return finish({ name: "invoke", ok: true, detail: `${viaProfile ? `through ${viaProfile}: ` : ""}${answerDetail(r, report.cost)}` }, ExitCode.ok);
    } catch (err) {
      const e = isReduxError(err) ? err : new ReduxError(ExitCode.internal, String((err as Error)?.message ?? err));
      firstFailure ??= e.code;
      return finish({ name: "invoke", ok: false, detail: `${viaProfile ? `through ${viaProfile}: ` : ""}${e.message}`, error: e.errorClass, ...(e.hint ? { hint: e.hint } : {}) }, e.code);
    }
  });
  client.destroy();
  return { base, shared, reports, exit_code: firstFailure ?? ExitCode.ok, probed, answered };
}
