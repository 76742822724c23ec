// Model strings: `custom:<region>:<model-id>`, bare model ids with a known region, and which one applies.
import { ReduxError, ExitCode } from "../errors.ts";
import { isSpaceUnit } from "../whitespace.ts";

export interface ModelRef {
  /** Canonical form: `custom:<region>:<model-id>`. */
  model: string;
  region: string;
  modelId: string;
  kind: "foundation-model" | "inference-profile" | "arn";
}

export const MODEL_FORMAT = "custom:<region>:<model-id>, e.g. custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";

// Every partition's region shape: <partition>-<direction>-<1 or 2 digits>, as in us-east-1, us-gov-west-1, cn-north-1,
// us-isob-east-1, eusc-de-east-1, ap-southeast-5. Checked by hand, not by one pattern: compiling that pattern's
// alternatives was about 3% of `redux-export list`'s start-up with one conversation (it prices by model string).
const PARTITIONS: Record<string, true> = { us: true, eu: true, ap: true, sa: true, ca: true, me: true, af: true, il: true, mx: true, cn: true, "us-gov": true, "us-iso": true, "us-isob": true, "us-isof": true, "eu-isoe": true, "eusc-de": true };
const DIRECTIONS: Record<string, true> = { east: true, west: true, north: true, south: true, central: true, northeast: true, northwest: true, southeast: true, southwest: true };
const MAX_ID = 2048;
/**
 * The prefixes of system-defined inference profile ids (`us.anthropic.claude-…`): the geographies AWS routes within,
 * and `global.`. The one list every module that strips or recognises a profile prefix uses.
 */
const PROFILE_PREFIXES = ["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"] as const;
export type ProfilePrefix = (typeof PROFILE_PREFIXES)[number];
const PROFILE_PREFIX_SET: ReadonlySet<string> = new Set(PROFILE_PREFIXES);
// Ids are checked by hand, not by patterns, for the reason regions are: compiling the patterns was a tenth of a
// millisecond of every one-shot chat and of `redux-export list` (which prices by model string).

/** Where a profile prefix's `.` is (`us.` → 2), or -1: a prefix has no dot, so it is all before the id's first one. */
const prefixDot = (id: string) => {
  const dot = id.indexOf(".");
  return dot > 0 && PROFILE_PREFIX_SET.has(id.slice(0, dot)) ? dot : -1;
};

/** A profile prefix followed by a vendor, `us.anthropic.` (a bare `us.` alone does not make an id a profile). */
function isProfileId(id: string): boolean {
  const dot = prefixDot(id);
  if (dot < 0) return false;
  // the vendor: one or more of [a-z0-9-], then a dot
  let i = dot + 1;
  for (let c = id.charCodeAt(i); (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45; c = id.charCodeAt(++i));
  return i > dot + 1 && id.charCodeAt(i) === 46;
}

/** The id without its inference-profile prefix: `us.anthropic.claude-…` → `anthropic.claude-…`; others unchanged. */
export const stripProfilePrefix = (id: string) => id.slice(prefixDot(id) + 1);

/** Whether `s` has whitespace (JavaScript's \s) or a C0 or C1 control character. */
function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // C0 controls and space; DEL, C1 controls and no-break space; then the rest of \s
    if (c <= 0x20 || (c >= 0x7f && c <= 0xa0) || isSpaceUnit(c)) return true;
  }
  return false;
}
const ARN_RE = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):bedrock:([a-z0-9-]*):(\d{12})?:([a-z-]+)\/(.+)$/;

export function isValidRegion(r: string): boolean {
  // the digits follow the last -, the direction (which has none) the one before; the partition is what is left
  const last = r.lastIndexOf("-");
  const mid = last > 0 ? r.lastIndexOf("-", last - 1) : -1;
  const digits = r.length - last - 1;
  if (mid < 1 || digits < 1 || digits > 2 || r.length > 63) return false;
  for (let i = last + 1; i < r.length; i++) if (r.charCodeAt(i) < 48 || r.charCodeAt(i) > 57) return false;
  return Object.hasOwn(DIRECTIONS, r.slice(mid + 1, last)) && Object.hasOwn(PARTITIONS, r.slice(0, mid));
}

const bad = (message: string, hint = `the format is ${MODEL_FORMAT}`) => new ReduxError(ExitCode.usage, message, hint);

export function validateRegion(region: string, what = "region"): string {
  if (!isValidRegion(region)) throw bad(`invalid ${what} ${JSON.stringify(region)}`, "a region looks like us-east-1, eu-west-3, us-gov-west-1 or cn-north-1");
  return region;
}

export function validateModelId(id: string, region: string): ModelRef["kind"] {
  if (id.length === 0) throw bad("the model id is empty");
  if (id.length > MAX_ID) throw bad(`the model id is longer than ${MAX_ID} characters`);
  if (id === "." || id === "..") throw bad(`the model id cannot be ${JSON.stringify(id)}`);
  if (hasSpaceOrControl(id)) throw bad("the model id contains whitespace or control characters");
  if (id.startsWith("arn:")) {
    const m = ARN_RE.exec(id);
    if (!m) throw bad(`not a Bedrock ARN: ${id}`, "an ARN looks like arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0");
    const arnRegion = m[2]!;
    if (arnRegion && arnRegion !== region) {
      throw bad(`the ARN is in ${arnRegion} but the model string says ${region}`, `use custom:${arnRegion}:${id}`);
    }
    return "arn";
  }
  return isProfileId(id) ? "inference-profile" : "foundation-model";
}

/**
 * Parses a model string. `custom:` splits on the first two colons only: the id keeps every further `:` and `/`.
 * A bare id needs `defaultRegion` (from --region, AWS_REGION or the profile).
 */
export function parseModelString(input: string, defaultRegion?: string): ModelRef {
  const s = input.trim();
  if (s === "") throw bad("no model given");
  if (s.startsWith("custom:")) {
    const rest = s.slice("custom:".length);
    const i = rest.indexOf(":");
    if (i < 0) throw bad(`model string ${JSON.stringify(s)} has no model id`);
    const region = rest.slice(0, i);
    const modelId = rest.slice(i + 1);
    if (!isValidRegion(region)) throw bad(`invalid region ${JSON.stringify(region)} in model string`);
    const kind = validateModelId(modelId, region);
    return { model: `custom:${region}:${modelId}`, region, modelId, kind };
  }
  let region = defaultRegion;
  const arn = ARN_RE.exec(s);
  if (arn?.[2]) region ??= arn[2];
  if (!region) throw bad(`model ${JSON.stringify(s)} has no region`, `write it as custom:<region>:${s}, or pass --region / set AWS_REGION`);
  validateRegion(region);
  const kind = validateModelId(s, region);
  return { model: `custom:${region}:${s}`, region, modelId: s, kind };
}

interface ModelSources {
  flag?: string;
  env?: NodeJS.ProcessEnv;
  setting?: string;
  amazonQSetting?: string;
}

/** Which model string applies: -m > AMAZON_Q_MODEL > AMAZON_Q_CUSTOM_MODEL (custom: only) > setting > Amazon Q's setting. */
export function pickModelString(src: ModelSources): { value: string; source: string } | undefined {
  const env = src.env ?? {};
  if (src.flag) return { value: src.flag, source: "--model" };
  if (env.AMAZON_Q_MODEL) return { value: env.AMAZON_Q_MODEL, source: "AMAZON_Q_MODEL" };
  if (env.AMAZON_Q_CUSTOM_MODEL?.startsWith("custom:")) return { value: env.AMAZON_Q_CUSTOM_MODEL, source: "AMAZON_Q_CUSTOM_MODEL" };
  if (src.setting) return { value: src.setting, source: "chat.defaultModel" };
  if (src.amazonQSetting?.startsWith("custom:")) return { value: src.amazonQSetting, source: "Amazon Q CLI chat.defaultModel" };
  return undefined;
}
