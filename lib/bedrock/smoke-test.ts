// The checks of redux-test-model, in order: the model string, the credentials (which source won), the identity
// (STS), and a tiny Converse call. Each check records ok/detail/error/hint; the first failure decides the exit code.
import { ReduxError, ExitCode, isReduxError } from "../errors.ts";
import { chooseModel, type ModelChoice } from "./model-choice.ts";
import { resolveCredentials, type DebugLog, type ResolvedCredentials } from "../aws/credentials.ts";
import { callerIdentity } from "../aws/identity.ts";
import { maskKeyId } from "../redact.ts";
import { chooseFallbacks, targetList } from "./targets.ts";
import { regionClients } from "./clients.ts";
import { readSettings } from "../settings.ts";
import { resolveRegion } from "../aws/profile.ts";
import type { ModelRef } from "./model-string.ts";
import { formatUsd, turnCost, type Cost } from "./prices.ts";
import type { Usage } from "../conversations/conversation.ts";

export interface Check {
  name: "model" | "credentials" | "identity" | "invoke";
  ok: boolean;
  skipped?: boolean;
  detail: string;
  error?: string;
  hint?: string;
  /** invoke, with fallbacks: the target this check called. */
  target?: string;
}

/** `--json` output of redux-test-model (schemas/test-model-output.schema.json). */
export interface SmokeReport {
  ok: boolean;
  exit_code: number;
  model: string | null;
  region: string | null;
  model_id: string | null;
  model_kind: string | null;
  credential_source: string | null;
  /** Which source, said for a person: `env`, `profile work`, `sso (profile dev)`, `bearer (AWS_BEARER_TOKEN_BEDROCK)`… */
  credential_label: string | null;
  access_key_id: string | null;
  expires_at: string | null;
  account: string | null;
  arn: string | null;
  latency_ms: number | null;
  usage: Usage | null;
  /** What the probe of the model cost (on-demand prices); null when it did not run. */
  cost: Cost | null;
  checks: Check[];
  /** With fallbacks: every target in order, and whether it answered. */
  targets?: { model: string; region: string; model_id: string; ok: boolean; latency_ms: number | null; error?: string }[];
}

export interface SmokeOptions {
  model?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  invoke: boolean;
  /** Every --fallback given; else AMAZON_Q_FALLBACK_MODELS, else the setting chat.fallbackModels. */
  fallbacks?: string[];
  timeoutMs: number;
  debug?: DebugLog;
  /** Called as each check finishes, so a person sees progress. */
  onCheck?: (c: Check) => void;
}

const KIND: Record<string, string> = { "foundation-model": "foundation model", "inference-profile": "inference profile", arn: "ARN" };

/** A report with nothing known yet (what a run that is cut short by --timeout starts from). */
export const emptyReport = (): SmokeReport => ({
  ok: false, exit_code: ExitCode.internal, model: null, region: null, model_id: null, model_kind: null, credential_source: null, credential_label: null,
  access_key_id: null, expires_at: null, account: null, arn: null, latency_ms: null, usage: null, cost: null, checks: [],
});

/** Runs the checks in order, filling `into` (when given) as it goes, so a caller that gives up still has what was learnt. */
export async function runSmokeTest(o: SmokeOptions, into: SmokeReport = emptyReport()): Promise<SmokeReport> {
  const report = into;
  let firstFailure: ReduxError | undefined;
  const add = (c: Check) => {
    report.checks.push(c);
    o.onCheck?.(c);
  };
  const fail = (name: Check["name"], err: unknown) => {
    const e = isReduxError(err) ? err : new ReduxError(ExitCode.internal, String((err as Error)?.message ?? err));
    firstFailure ??= e;
    add({ name, ok: false, detail: e.message, error: e.errorClass, ...(e.hint ? { hint: e.hint } : {}) });
  };

  let model: ModelChoice | undefined;
  try {
    model = await chooseModel({ flag: o.model, region: o.region, profile: o.profile });
    Object.assign(report, { model: model.model, region: model.region, model_id: model.modelId, model_kind: model.kind });
  } catch (err) {
    fail("model", err);
  }
  // the fallbacks are checked with the model: a malformed one stops the run before anything is sent
  let fallbacks: ModelRef[] = [];
  if (model) {
    try {
      const setting = readSettings()["chat.fallbackModels"];
      const flags = o.fallbacks ?? [];
      const chosen = chooseFallbacks({ flags, setting: typeof setting === "string" ? setting : undefined, defaultRegion: flags.some((f) => !f.trim().startsWith("custom:")) ? await resolveRegion(o.region, o.profile) : undefined });
      fallbacks = chosen.models;
      const also = fallbacks.length ? ` · fallbacks ${fallbacks.map((f) => f.model).join(", ")} (from ${chosen.source})` : "";
      add({ name: "model", ok: true, detail: `${model.model} · region ${model.region} · ${KIND[model.kind]} (from ${model.source})${also}` });
    } catch (err) {
      fail("model", err);
      for (const name of ["credentials", "identity", "invoke"] as const) add({ name, ok: false, skipped: true, detail: "skipped: fix the fallback models first" });
      report.ok = false;
      report.exit_code = firstFailure!.code;
      return report;
    }
  }
  const region = model?.region ?? o.region ?? process.env.AWS_REGION ?? "us-east-1";

  let creds: ResolvedCredentials | undefined;
  try {
    creds = await resolveCredentials({ profile: o.profile, region, timeoutMs: o.timeoutMs, debug: o.debug, selfTest: true });
    report.credential_source = creds.source;
    report.credential_label = creds.label;
    if (creds.identity) {
      report.access_key_id = maskKeyId(creds.identity.accessKeyId);
      report.expires_at = creds.identity.expiration?.toISOString() ?? null;
    }
    const exp = creds.identity?.expiration;
    const detail = creds.source === "bearer"
      ? `bearer: a Bedrock API key from AWS_BEARER_TOKEN_BEDROCK, **** (${(process.env.AWS_BEARER_TOKEN_BEDROCK ?? "").length} characters; requests are not SigV4-signed)`
      : `${creds.label} · key ${report.access_key_id} · ${exp ? `expires ${exp.toISOString()} (in ${Math.round((exp.getTime() - Date.now()) / 60_000)} min)` : "does not expire"}`;
    add({ name: "credentials", ok: true, detail });
  } catch (err) {
    fail("credentials", err);
  }

  if (creds?.provider) {
    try {
      const who = await callerIdentity({ provider: creds.provider, region, timeoutMs: o.timeoutMs, profile: o.profile, selfTest: true });
      report.account = who.account;
      report.arn = who.arn;
      add({ name: "identity", ok: true, detail: `account ${who.account} · ${who.arn}` });
    } catch (err) {
      fail("identity", err);
    }
  } else if (creds?.source === "bearer") {
    add({ name: "identity", ok: true, skipped: true, detail: "skipped: STS cannot identify a Bedrock API key" });
  } else {
    add({ name: "identity", ok: false, skipped: true, detail: "skipped: no credentials" });
  }

  if (!o.invoke) {
    add({ name: "invoke", ok: true, skipped: true, detail: "skipped (--no-invoke)" });
  } else if (model && creds) {
    // every target at once (each bounded by the timeout), reported in order: which ones work
    const targets = targetList(model, fallbacks);
    const clientFor = regionClients({ credentialRegion: model.region, profile: o.profile, endpoint: o.endpoint, timeoutMs: o.timeoutMs, maxAttempts: 2, debug: o.debug });
    const { converseOnce } = await import("./runtime.ts");
    const results = await Promise.all(
      targets.map(async (t) => {
        try {
          const r = await converseOnce(
            await clientFor(t.region),
            { modelId: t.modelId, messages: [{ role: "user", content: [{ text: "Reply with OK." }] }], inference: { max_tokens: 1 } },
            { timeoutMs: o.timeoutMs, ctx: { region: t.region, modelId: t.modelId, profile: o.profile, selfTest: true, action: "bedrock:InvokeModel (and bedrock:InvokeModelWithResponseStream for redux-chat)" } },
          );
          return { t, r };
        } catch (err) {
          return { t, err };
        }
      }),
    );
    const multi = targets.length > 1;
    if (multi) report.targets = [];
    for (const { t, r, err } of results) {
      const label = multi ? `${t.primary ? "" : "fallback "}${t.model}: ` : "";
      report.targets?.push({ model: t.model, region: t.region, model_id: t.modelId, ok: !!r, latency_ms: r?.latencyMs ?? null, ...(err ? { error: (isReduxError(err) ? err : new ReduxError(ExitCode.internal, String(err))).errorClass } : {}) });
      if (!r) {
        const e = isReduxError(err) ? err : new ReduxError(ExitCode.internal, String((err as Error)?.message ?? err));
        firstFailure ??= e;
        add({ name: "invoke", ok: false, detail: `${label}${e.message}`, error: e.errorClass, ...(e.hint ? { hint: e.hint } : {}), ...(multi ? { target: t.model } : {}) });
        continue;
      }
      if (t.primary) {
        report.latency_ms = r.latencyMs;
        report.usage = r.usage ?? null;
        report.cost = turnCost(t.modelId, t.region, r.usage);
      }
      add({ name: "invoke", ok: true, detail: `${label}answered in ${r.latencyMs} ms · ${r.usage ? `${r.usage.input_tokens} in / ${r.usage.output_tokens} out tokens` : "no usage"} · ${costText(turnCost(t.modelId, t.region, r.usage))} · ${r.stopReason ?? "?"}`, ...(multi ? { target: t.model } : {}) });
    }
  } else {
    add({ name: "invoke", ok: false, skipped: true, detail: `skipped: no ${model ? "credentials" : "valid model"}` });
  }
  report.ok = !firstFailure;
  report.exit_code = firstFailure?.code ?? ExitCode.ok;
  return report;
}

const costText = (c: Cost) => (c.usd === null ? "cost unknown" : formatUsd(c.usd));
