// Which model a command uses: -m, then AMAZON_Q_MODEL / AMAZON_Q_CUSTOM_MODEL, then chat.defaultModel (ours, then the
// Amazon Q CLI's), parsed and validated; a bare id takes its region the SDK's way (--region, AWS_REGION, the profile, EC2 metadata).
import { usageError } from "../errors.ts";
import { MODEL_FORMAT, parseModelString, pickModelString, type ModelRef } from "./model-string.ts";
import { amazonQDefaultModel, readSettings, type Settings } from "../settings.ts";
import { resolveRegion } from "../aws/profile.ts";

export interface ModelChoice extends ModelRef {
  source: string;
}

/** `settings`: the settings the command already read (else they are read here). */
export async function chooseModel(o: { flag?: string; region?: string; profile?: string; env?: NodeJS.ProcessEnv; settings?: Settings }): Promise<ModelChoice> {
  const env = o.env ?? process.env;
  const setting = (o.settings ?? readSettings(env))["chat.defaultModel"];
  const picked = pickModelString({
    flag: o.flag,
    env,
    setting: typeof setting === "string" ? setting : undefined,
    amazonQSetting: o.flag || env.AMAZON_Q_MODEL ? undefined : amazonQDefaultModel(env),
  });
  if (!picked) {
    throw usageError("no model given", `pass -m ${MODEL_FORMAT.split(",")[0]}, set AMAZON_Q_MODEL, or run: redux-chat settings chat.defaultModel custom:<region>:<model-id>`);
  }
  const needsRegion = !picked.value.trim().startsWith("custom:");
  const ref = parseModelString(picked.value, needsRegion ? await resolveRegion(o.region, o.profile) : undefined);
  return { ...ref, source: picked.source };
}
