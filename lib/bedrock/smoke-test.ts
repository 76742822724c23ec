// The checks of redux-test-model, in order: the model string, the credentials (which source won), the identity
// (STS), and a tiny Converse call. Each check records ok/detail/error/hint; the first failure decides the exit code.
import { ReduxError, ExitCode, isReduxError } from "../errors.ts";
import { chooseModel, type ModelChoice } from "./model-choice.ts";
import { resolveCredentials, type DebugLog, type ResolvedCredentials } from "../aws/credentials.ts";
import { callerIdentity } from "../aws/identity.ts";
import { maskKeyId } from "../redact.ts";
import { chooseFallbacks, targetList, type Target } from "./targets.ts";
import { regionClients } from "./clients.ts";
import { readSettings, type Settings } from "../settings.ts";
import { resolveRegion } from "../aws/profile.ts";
import type { ModelRef } from "./model-string.ts";
import { costText, tierOf, turnCost, type Cost } from "./prices.ts";
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

interface SmokeOptions {
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
  const r = recorder(into, o);
  const chosen = await checkModel(o, r);
  const model = chosen?.model;
  // the fallbacks are checked with the model: a malformed one stops the run before anything is sent
  const fallbacks = chosen ? await checkFallbacks(o, chosen.model, chosen.settings, r) : [];
  if (!fallbacks) {
    for (const name of ["credentials", "identity", "invoke"] as const) r.add({ name, ok: false, skipped: true, detail: "skipped: fix the fallback models first" });
    return finish(r);
  }
  const region = model?.region ?? o.region ?? process.env.AWS_REGION ?? "us-east-1";
  const creds = await checkCredentials(o, region, r);
  await checkIdentity(o, region, creds, r);
  if (!o.invoke) {
    r.add({ name: "invoke", ok: true, skipped: true, detail: "skipped (--no-invoke)" });
  } else if (model && creds) {
    await checkInvoke(o, model, fallbacks, r);
  } else {
    r.add({ name: "invoke", ok: false, skipped: true, detail: `skipped: no ${model ? "credentials" : "valid model"}` });
  }
  return finish(r);
}

/** The checks every model of `--all` shares, once: credentials and identity in `o.region` (no model, no fallbacks). */
export async function runSharedChecks(o: SmokeOptions & { region: string }): Promise<SmokeReport> {
  const r = recorder(emptyReport(), o);
  r.report.region = o.region;
  const creds = await checkCredentials(o, o.region, r);
  await checkIdentity(o, o.region, creds, r);
  return finish(r);
}

/** Where the checks go as they finish; the first failure decides the exit code. */
function recorder(report: SmokeReport, o: SmokeOptions) {
  const r = {
    report,
    firstFailure: undefined as ReduxError | undefined,
    add(c: Check) {
      report.checks.push(c);
      o.onCheck?.(c);
    },
    fail(name: Check["name"], err: unknown) {
      const e = isReduxError(err) ? err : new ReduxError(ExitCode.internal, String((err as Error)?.message ?? err));
      r.firstFailure ??= e;
      r.add({ name, ok: false, detail: e.message, error: e.errorClass, ...(e.hint ? { hint: e.hint } : {}) });
    },
  };
  return r;
}
type Recorder = ReturnType<typeof recorder>;

function finish(r: Recorder): SmokeReport {
  r.report.ok = !r.firstFailure;
  r.report.exit_code = r.firstFailure?.code ?? ExitCode.ok;
  return r.report;
}

/** The model, and the settings it was chosen with (read once: the fallbacks come from them too). */
async function checkModel(o: SmokeOptions, r: Recorder): Promise<{ model: ModelChoice; settings: Settings } | undefined> {
  try {
    const settings = readSettings();
    const model = await chooseModel({ flag: o.model, region: o.region, profile: o.profile, settings });
    Object.assign(r.report, { model: model.model, region: model.region, model_id: model.modelId, model_kind: model.kind });
    return { model, settings };
  } catch (err) {
    r.fail("model", err);
    return undefined;
  }
}

/** The fallback models (the model check passes with them); undefined when one is malformed. */
async function checkFallbacks(o: SmokeOptions, model: ModelChoice, settings: Settings, r: Recorder): Promise<ModelRef[] | undefined> {
  try {
    const setting = settings["chat.fallbackModels"];
    const flags = o.fallbacks ?? [];
    const chosen = chooseFallbacks({ flags, setting: typeof setting === "string" ? setting : undefined, defaultRegion: flags.some((f) => !f.trim().startsWith("custom:")) ? await resolveRegion(o.region, o.profile) : undefined });
    const fallbacks = chosen.models;
    const also = fallbacks.length ? ` · fallbacks ${fallbacks.map((f) => f.model).join(", ")} (from ${chosen.source})` : "";
    r.add({ name: "model", ok: true, detail: `${model.model} · region ${model.region} · ${KIND[model.kind]} (from ${model.source})${also}` });
    return fallbacks;
  } catch (err) {
    r.fail("model", err);
    return undefined;
  }
}

async function checkCredentials(o: SmokeOptions, region: string, r: Recorder): Promise<ResolvedCredentials | undefined> {
  const { report } = r;
  try {
    const creds = await resolveCredentials({ profile: o.profile, region, timeoutMs: o.timeoutMs, debug: o.debug, selfTest: true });
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
    r.add({ name: "credentials", ok: true, detail });
    return creds;
  } catch (err) {
    r.fail("credentials", err);
    return undefined;
  }
}

async function checkIdentity(o: SmokeOptions, region: string, creds: ResolvedCredentials | undefined, r: Recorder) {
  if (creds?.provider) {
    try {
      const who = await callerIdentity({ provider: creds.provider, region, timeoutMs: o.timeoutMs, profile: o.profile, selfTest: true });
      r.report.account = who.account;
      r.report.arn = who.arn;
      r.add({ name: "identity", ok: true, detail: `account ${who.account} · ${who.arn}` });
    } catch (err) {
      r.fail("identity", err);
    }
  } else if (creds?.source === "bearer") {
    r.add({ name: "identity", ok: true, skipped: true, detail: "skipped: STS cannot identify a Bedrock API key" });
  } else {
    r.add({ name: "identity", ok: false, skipped: true, detail: "skipped: no credentials" });
  }
}

/** Every target at once (each bounded by the timeout), reported in order: which ones work. */
async function checkInvoke(o: SmokeOptions, model: ModelChoice, fallbacks: ModelRef[], r: Recorder) {
  const { report } = r;
  const targets = targetList(model, fallbacks);
  const results = await probeTargets(o, model, targets);
  const multi = targets.length > 1;
  if (multi) report.targets = [];
  for (const { t, r: answer, err } of results) {
    const label = multi ? `${t.primary ? "" : "fallback "}${t.model}: ` : "";
    report.targets?.push({ model: t.model, region: t.region, model_id: t.modelId, ok: !!answer, latency_ms: answer?.latencyMs ?? null, ...(err ? { error: (isReduxError(err) ? err : new ReduxError(ExitCode.internal, String(err))).errorClass } : {}) });
    if (!answer) {
      const e = isReduxError(err) ? err : new ReduxError(ExitCode.internal, String((err as Error)?.message ?? err));
      r.firstFailure ??= e;
      r.add({ name: "invoke", ok: false, detail: `${label}${e.message}`, error: e.errorClass, ...(e.hint ? { hint: e.hint } : {}), ...(multi ? { target: t.model } : {}) });
      continue;
    }
    // priced once, at the tier that answered (as --all and a chat turn are)
    const cost = turnCost(t.modelId, t.region, answer.usage, tierOf(undefined, answer.serviceTier));
    if (t.primary) {
      report.latency_ms = answer.latencyMs;
      report.usage = answer.usage ?? null;
      report.cost = cost;
    }
    r.add({ name: "invoke", ok: true, detail: `${label}${answerDetail(answer, cost)}`, ...(multi ? { target: t.model } : {}) });
  }
}

/** A one-token Converse call to each target. */
async function probeTargets(o: SmokeOptions, model: ModelChoice, targets: Target[]) {
  const clientFor = regionClients({ credentialRegion: model.region, profile: o.profile, endpoint: o.endpoint, timeoutMs: o.timeoutMs, maxAttempts: 2, debug: o.debug });
  const { converseOnce } = await import("./runtime.ts");
  return Promise.all(
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
}

/** A probe's answer on its line: latency, tokens, what it cost, why it stopped. */
export const answerDetail = (a: { latencyMs: number; usage?: { input_tokens: number; output_tokens: number }; stopReason?: string }, cost: Cost) =>
  `answered in ${a.latencyMs} ms · ${a.usage ? `${a.usage.input_tokens} in / ${a.usage.output_tokens} out tokens` : "no usage"} · ${costText(cost)} · ${a.stopReason ?? "?"}`;
