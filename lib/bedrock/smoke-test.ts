// The checks of redux-test-model, in order: the model string, the credentials (which source won), the identity
// (STS), and a tiny Converse call. Each check records ok/detail/error/hint; the first failure decides the exit code.
import { ReduxError, ExitCode, isReduxError } from "../errors.ts";
import { chooseModel, type ModelChoice } from "./model-choice.ts";
import { resolveCredentials, type DebugLog, type ResolvedCredentials } from "../aws/credentials.ts";
import { callerIdentity } from "../aws/identity.ts";
import { maskKeyId } from "../redact.ts";

export interface Check {
  name: "model" | "credentials" | "identity" | "invoke";
  ok: boolean;
  skipped?: boolean;
  detail: string;
  error?: string;
  hint?: string;
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
  usage: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
  checks: Check[];
}

export interface SmokeOptions {
  model?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  invoke: boolean;
  timeoutMs: number;
  debug?: DebugLog;
  /** Called as each check finishes, so a person sees progress. */
  onCheck?: (c: Check) => void;
}

const KIND: Record<string, string> = { "foundation-model": "foundation model", "inference-profile": "inference profile", arn: "ARN" };

/** A report with nothing known yet (what a run that is cut short by --timeout starts from). */
export const emptyReport = (): SmokeReport => ({
  ok: false, exit_code: ExitCode.internal, model: null, region: null, model_id: null, model_kind: null, credential_source: null, credential_label: null,
  access_key_id: null, expires_at: null, account: null, arn: null, latency_ms: null, usage: null, checks: [],
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
    add({ name: "model", ok: true, detail: `${model.model} · region ${model.region} · ${KIND[model.kind]} (from ${model.source})` });
  } catch (err) {
    fail("model", err);
  }
  const region = model?.region ?? o.region ?? process.env.AWS_REGION ?? "us-east-1";

  let creds: ResolvedCredentials | undefined;
  try {
    creds = await resolveCredentials({ profile: o.profile, region, timeoutMs: o.timeoutMs, debug: o.debug });
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
    try {
      const { createBedrockClient, converseOnce } = await import("./runtime.ts");
      const client = await createBedrockClient({ region: model.region, profile: o.profile, endpoint: o.endpoint, timeoutMs: o.timeoutMs, maxAttempts: 2, debug: o.debug });
      const r = await converseOnce(
        client,
        { modelId: model.modelId, messages: [{ role: "user", content: [{ text: "Reply with OK." }] }], inference: { max_tokens: 1 } },
        { timeoutMs: o.timeoutMs, ctx: { region: model.region, modelId: model.modelId, profile: o.profile, selfTest: true, action: "bedrock:InvokeModel (and bedrock:InvokeModelWithResponseStream for redux-chat)" } },
      );
      report.latency_ms = r.latencyMs;
      report.usage = r.usage ?? null;
      add({ name: "invoke", ok: true, detail: `answered in ${r.latencyMs} ms · ${r.usage ? `${r.usage.input_tokens} in / ${r.usage.output_tokens} out tokens` : "no usage"} · ${r.stopReason ?? "?"}` });
    } catch (err) {
      fail("invoke", err);
    }
  } else {
    add({ name: "invoke", ok: false, skipped: true, detail: `skipped: no ${model ? "credentials" : "valid model"}` });
  }
  report.ok = !firstFailure;
  report.exit_code = firstFailure?.code ?? ExitCode.ok;
  return report;
}
