// ~/.aws/config and ~/.aws/credentials exactly as the AWS SDK reads them, through its own parser and loaders
// (@smithy/core/config), never one of ours: which profile, whether it exists, and the region for a bare model id.
// No credentials are read here: they are resolved by the SDK only (its providers, composed in credentials.ts).
import { join } from "node:path";
import { homeDir } from "../paths.ts";

/** The profile the SDK uses: --profile, then AWS_PROFILE, then `default` (the SDK's getProfileName). */
export const profileName = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env) => flag || env.AWS_PROFILE || "default";

/** A profile named by --profile or AWS_PROFILE (not the implicit `default`). */
export const explicitProfile = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env) => flag || env.AWS_PROFILE || undefined;

// For messages only: where the SDK looks (its loader expands a leading `~/` the same way before reading).
const expand = (p: string, env: NodeJS.ProcessEnv) => (p.startsWith("~/") ? join(homeDir(env), p.slice(2)) : p);
export const configFilePath = (env: NodeJS.ProcessEnv = process.env) => expand(env.AWS_CONFIG_FILE || join(homeDir(env), ".aws", "config"), env);
export const credentialsFilePath = (env: NodeJS.ProcessEnv = process.env) =>
  expand(env.AWS_SHARED_CREDENTIALS_FILE || join(homeDir(env), ".aws", "credentials"), env);

/** Does the SDK see this profile in either file (config `[profile x]`/`[default]`, credentials `[x]`)? */
export async function profileExists(name: string): Promise<boolean> {
  const { parseKnownFiles } = await import("@smithy/core/config");
  const profiles = await parseKnownFiles({ profile: name, ignoreCache: true });
  return Object.hasOwn(profiles, name);
}

/**
 * Region for a bare model id, in the SDK's order and file preference: --region, AWS_REGION (and AWS_DEFAULT_REGION,
 * which the AWS CLI reads), the profile's `region` (the credentials file's wins over the config file's, as in the
 * SDK), then the EC2 instance metadata region (the SDK's own lookup: IMDSv2, 1 s timeout, no retries; skipped when
 * AWS_EC2_METADATA_DISABLED is set). Undefined when none gives one.
 */
export async function resolveRegion(flag: string | undefined, profile: string | undefined): Promise<string | undefined> {
  if (flag) return flag;
  const { loadConfig, NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS } = await import("@smithy/core/config");
  const options = {
    ...NODE_REGION_CONFIG_OPTIONS,
    environmentVariableSelector: (env: NodeJS.ProcessEnv) => env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
  };
  try {
    return (await loadConfig(options, { ...NODE_REGION_CONFIG_FILE_OPTIONS, profile, ignoreCache: true })()) || undefined;
  } catch {
    return undefined;
  }
}
