// AWS credentials, resolved by the SDK's own providers: a profile named with --profile or AWS_PROFILE goes through
// fromIni alone (a failure there is fatal, with a hint), anything else through the SDK's default chain. Which source
// won is read from what the SDK records on the identity (`$source` feature flags) and from its logger, never from
// a copy of its dispatch rules, so profile kinds the SDK learns work here unchanged. A Bedrock API key
// (AWS_BEARER_TOKEN_BEDROCK) bypasses all of this: the Bedrock client then sends it as a bearer token.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { ReduxError, ExitCode, isReduxError, translateAwsError } from "../errors.ts";
import { configFilePath, credentialsFilePath, explicitProfile, profileExists, profileName } from "./profile.ts";
import { perRequestHandler } from "./http.ts";
import { redactText } from "../redact.ts";

export type DebugLog = (line: string) => void;

export type CredentialSource = "bearer" | "env" | "profile" | "assume-role" | "process" | "sso" | "login" | "web-identity" | "container" | "imds" | "other";

interface CredentialOptions {
  profile?: string;
  region: string;
  timeoutMs: number;
  debug?: DebugLog;
  /** The caller is redux-test-model: hints must not send the person to run it. */
  selfTest?: boolean;
}

export interface ResolvedCredentials {
  source: CredentialSource;
  /** Human label: `env`, `profile work`, `sso (profile work)`, `container`… */
  label: string;
  /** Undefined for bearer: the Bedrock client reads AWS_BEARER_TOKEN_BEDROCK itself. */
  provider?: AwsCredentialIdentityProvider;
  identity?: AwsCredentialIdentity;
}

/**
 * AWS_BEARER_TOKEN_BEDROCK: `set` (a Bedrock API key: bearer auth), `empty` (present but empty: ignored, as if it were
 * unset; the SDK alone would switch to bearer auth and send an empty token) or undefined.
 */
export function bearerToken(env: NodeJS.ProcessEnv = process.env): "set" | "empty" | undefined {
  if (!("AWS_BEARER_TOKEN_BEDROCK" in env)) return undefined;
  return env.AWS_BEARER_TOKEN_BEDROCK ? "set" : "empty";
}

/**
 * An SDK logger (the `logger` option of clients and providers) that sends the SDK's own lines to --debug and keeps
 * its console warnings off the screen otherwise. Lines pass through redactText: the SDK can quote request bits.
 * With `trail`, every debug line is also kept, unredacted and in order: which providers the SDK ran, and why each
 * gave up, is how we tell a failing source apart.
 */
export function sdkLogger(debug?: DebugLog, trail?: string[]) {
  const say = (level: string) => (...args: unknown[]) => {
    if (level === "debug" && typeof args[0] === "string") trail?.push(args[0]);
    debug?.(redactText(`sdk ${level}: ${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : `<${typeof a}>`)).join(" ")}`));
  };
  return { trace: () => {}, debug: say("debug"), info: say("info"), warn: say("warn"), error: say("error") };
}

/** What the SDK's providers mark on the credentials they return (`$source`), outermost first: an assumed role keeps
 * only its own marks, not those of the credentials that signed the AssumeRole call. */
const FEATURE_SOURCES: [string, CredentialSource][] = [
  ["CREDENTIALS_PROFILE_SOURCE_PROFILE", "assume-role"],
  ["CREDENTIALS_PROFILE_NAMED_PROVIDER", "assume-role"],
  ["CREDENTIALS_STS_ASSUME_ROLE", "assume-role"],
  ["CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN", "web-identity"],
  ["CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN", "web-identity"],
  ["CREDENTIALS_STS_ASSUME_ROLE_WEB_ID", "web-identity"],
  ["CREDENTIALS_PROFILE_SSO", "sso"],
  ["CREDENTIALS_PROFILE_SSO_LEGACY", "sso"],
  ["CREDENTIALS_SSO", "sso"],
  ["CREDENTIALS_SSO_LEGACY", "sso"],
  ["CREDENTIALS_PROFILE_LOGIN", "login"],
  ["CREDENTIALS_LOGIN", "login"],
  ["CREDENTIALS_PROFILE_PROCESS", "process"],
  ["CREDENTIALS_PROCESS", "process"],
  ["CREDENTIALS_PROFILE", "profile"],
  ["CREDENTIALS_ENV_VARS", "env"],
  ["CREDENTIALS_HTTP", "container"],
  ["CREDENTIALS_IMDS", "imds"],
];

/** The SDK's log lines that say which provider is running (for sources that leave no `$source` mark, and failures). */
const TRAIL_SOURCES: [RegExp, CredentialSource][] = [
  [/resolveAssumeRoleCredentials|credential_source is/, "assume-role"],
  [/credential-provider-web-identity/, "web-identity"],
  [/credential-provider-sso|token-providers - fromSso/, "sso"],
  [/fromLoginCredentials|credential-provider-login/, "login"],
  [/credential-provider-process/, "process"],
  [/resolveStaticCredentials/, "profile"],
  [/credential-provider-env - fromEnv/, "env"],
  [/remoteProvider::fromHttp|credential-provider-http/, "container"],
  [/remoteProvider::fromInstanceMetadata/, "imds"],
];

const lastInTrail = (trail: string[]): CredentialSource | undefined => {
  for (let i = trail.length - 1; i >= 0; i--) for (const [re, source] of TRAIL_SOURCES) if (re.test(trail[i]!)) return source;
  return undefined;
};

function sourceOf(identity: AwsCredentialIdentity, trail: string[]): { source: CredentialSource; marks: string[] } {
  const marks = Object.keys((identity as { $source?: Record<string, string> }).$source ?? {});
  for (const [feature, source] of FEATURE_SOURCES) if (marks.includes(feature)) return { source, marks };
  return { source: lastInTrail(trail) ?? "other", marks };
}

const PROFILE_SOURCES = new Set<CredentialSource>(["assume-role", "process", "sso", "login", "other"]);
const labelFor = (source: CredentialSource, name: string, fromProfile: boolean) =>
  source === "profile" ? `profile ${name}` : PROFILE_SOURCES.has(source) || (source === "web-identity" && fromProfile) ? `${source} (profile ${name})` : source;

/** The SDK's refresh rule (credential-provider-node): credentials within 5 minutes of expiry are fetched again. */
const treatedAsExpired = (c: AwsCredentialIdentity) => c.expiration !== undefined && c.expiration.getTime() - Date.now() < 300_000;

/**
 * Finds the credentials the SDK would use, and says which source they came from. Throws ReduxError (exit 3) with
 * what was looked for, and where, when there are none.
 */
export function resolveCredentials(o: CredentialOptions): Promise<ResolvedCredentials> {
  // one resolution per process and profile/region: the Bedrock client and STS then sign with the same provider, so
  // an assume-role, SSO or web identity exchange happens once; a failure is forgotten, so a later call tries again
  const key = `${o.profile ?? ""}\0${o.region}`;
  let p = resolved.get(key);
  if (!p) {
    resolved.set(key, (p = resolve(o)));
    p.catch(() => resolved.delete(key));
  }
  return p;
}

const resolved = new Map<string, Promise<ResolvedCredentials>>();

async function resolve(o: CredentialOptions): Promise<ResolvedCredentials> {
  const say = (line: string) => o.debug?.(`credentials: ${line}`);
  const bearer = bearerToken();
  if (bearer === "set") {
    say("AWS_BEARER_TOKEN_BEDROCK is set: Bedrock requests use the API key (bearer auth), not the credential chain");
    return { source: "bearer", label: "bearer (AWS_BEARER_TOKEN_BEDROCK)" };
  }
  if (bearer === "empty") say("AWS_BEARER_TOKEN_BEDROCK is set but empty: ignored, as if it were unset");

  const explicit = explicitProfile(o.profile);
  const name = profileName(o.profile);
  const files = `${configFilePath()} or ${credentialsFilePath()}`;
  if (explicit && !(await profileExists(name))) {
    throw new ReduxError(
      ExitCode.credentials,
      `profile ${name} does not exist in ${files}`,
      `check the name given by ${o.profile ? "--profile" : "AWS_PROFILE"}, or add [profile ${name}] to ${configFilePath()}`,
    );
  }

  const trail: string[] = [];
  const logger = sdkLogger(o.debug, trail);
  // Nested STS/SSO/SSO-OIDC/sign-in clients go through the same proxy and CA settings as Bedrock, chosen per
  // request URL. clientConfig has no region: it would override the profile's sso_region. parentClientConfig stands
  // in for the Bedrock client that would otherwise have called the provider (its region is STS's fallback, as in the
  // SDK), and carries the handler to the clients the SDK builds without clientConfig (a profile's
  // web_identity_token_file).
  const requestHandler = perRequestHandler({ timeoutMs: o.timeoutMs, profile: o.profile });
  const clientConfig = { logger, requestHandler };
  const parentClientConfig = { region: o.region, logger, requestHandler };
  const providers = await import("@aws-sdk/credential-providers");
  let provider: AwsCredentialIdentityProvider;
  if (explicit) {
    say(`profile ${name} (${o.profile ? "--profile" : "AWS_PROFILE"}): the SDK's fromIni, on ${files}`);
    provider = providers.fromIni({ profile: name, clientConfig, parentClientConfig, logger, ignoreCache: true });
  } else {
    say(`the SDK's default chain: env, profile ${name} in ${files}, web identity, container, EC2 instance metadata (1 s timeout)`);
    provider = providers.fromNodeProviderChain({ clientConfig, parentClientConfig, logger, ignoreCache: true, timeout: 1000 });
  }

  let identity: AwsCredentialIdentity;
  try {
    identity = await provider();
  } catch (err) {
    say(`failed: ${redactText(String((err as Error)?.message ?? err).split("\n")[0]!)}`);
    // already said plainly (a proxy that is down or wants credentials): no point dressing it up
    if (isReduxError(err)) throw err;
    const exhausted = !explicit && /Could not load credentials from any providers/.test((err as Error)?.message ?? "");
    if (exhausted) throw noCredentials(name, files);
    throw credentialError(err, lastInTrail(trail), name, explicit, o.selfTest);
  }
  const { source, marks } = sourceOf(identity, trail);
  const label = labelFor(source, name, explicit !== undefined || marks.includes("CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN"));
  // the SDK signs with keys whose AWS_CREDENTIAL_EXPIRATION has passed; AWS would only say "invalid token"
  if (identity.expiration && identity.expiration.getTime() <= Date.now()) {
    say(`${label}: found credentials that expired at ${identity.expiration.toISOString()}`);
    throw expiredError(source, label, identity.expiration);
  }
  say(`found: ${label}${marks.length ? ` (the SDK marked them ${marks.join(", ")})` : ""}`);
  return { source, label, provider: await keep(provider, identity), identity };
}

/** The provider, memoized by the SDK's own memoize with its refresh rule, starting from the identity already found. */
async function keep(provider: AwsCredentialIdentityProvider, first: AwsCredentialIdentity): Promise<AwsCredentialIdentityProvider> {
  const { memoize } = await import("@smithy/core/config");
  let seed: AwsCredentialIdentity | undefined = first;
  const seeded: AwsCredentialIdentityProvider = async (p) => {
    const s = seed;
    seed = undefined;
    return s ?? provider(p);
  };
  return memoize(seeded, treatedAsExpired, (c) => c.expiration !== undefined);
}

function noCredentials(name: string, files: string): ReduxError {
  const imdsOff = Boolean(process.env.AWS_EC2_METADATA_DISABLED) && process.env.AWS_EC2_METADATA_DISABLED !== "false";
  return new ReduxError(
    ExitCode.credentials,
    "no AWS credentials found",
    `looked for: AWS_BEARER_TOKEN_BEDROCK; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; profile ${name} in ${files}; AWS_WEB_IDENTITY_TOKEN_FILE+AWS_ROLE_ARN; AWS_CONTAINER_CREDENTIALS_*; EC2 instance metadata${imdsOff ? " (disabled)" : ""}. Set keys, pass --profile, or run where a role is attached`,
  );
}

function expiredError(source: CredentialSource, label: string, at: Date): ReduxError {
  const hint = source === "env"
    ? "get fresh keys and export them again (for example `aws configure export-credentials --format env`), or unset AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN/AWS_CREDENTIAL_EXPIRATION to use another source"
    : "refresh them at their source, then run again";
  return new ReduxError(ExitCode.credentials, `the credentials from ${label} expired at ${at.toISOString()}`, hint);
}

/** A failure of the source the SDK was running when it gave up (known from its log lines), said with a hint. */
function credentialError(err: unknown, source: CredentialSource | undefined, name: string, explicit: string | undefined, selfTest?: boolean): ReduxError {
  const msg = redactText(String((err as Error)?.message ?? err).split("\n")[0]!);
  const p = explicit ? ` --profile ${name}` : name === "default" ? "" : ` --profile ${name}`;
  const opts = { cause: err };
  const c = ExitCode.credentials;
  switch (source) {
    case "sso":
      if (/Required parameters|invalid SSO|sso_session .* does not exist|missing required/i.test(msg)) {
        return new ReduxError(c, `the SSO settings of profile ${name} are incomplete: ${msg}`, `run: aws configure sso${p}`, opts);
      }
      return new ReduxError(c, `the SSO session for profile ${name} is expired or missing: ${msg}`, `run: aws sso login${p}`, opts);
    case "login":
      return new ReduxError(c, `the console login session of profile ${name} is expired or missing: ${msg}`, `run: aws login${p}`, opts);
    case "process":
      return new ReduxError(c, `credential_process of profile ${name} failed: ${msg}`, `run the command from ${configFilePath()} by hand to see why`, opts);
    case "assume-role":
      return new ReduxError(c, `assuming the role of profile ${name} failed: ${msg}`, "check role_arn, the source profile's credentials, and the role's trust policy", opts);
    case "web-identity":
      return new ReduxError(c, `web identity role assumption failed: ${msg}`, "check the role ARN, the token file, and the role's trust policy for your identity provider", opts);
    case "container":
      return new ReduxError(c, `the container credentials endpoint failed: ${msg}`, "check the task role and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)", opts);
  }
  if (explicit && /Could not resolve credentials using profile/.test(msg)) {
    return new ReduxError(
      c,
      `profile ${name} has no credentials the SDK can use (${configFilePath()}, ${credentialsFilePath()})`,
      `give [profile ${name}] keys, role_arn + source_profile, credential_process, web_identity_token_file, sso_session or login_session`,
      opts,
    );
  }
  if (/expired/i.test(msg)) return new ReduxError(c, `credentials of ${source === "profile" ? `profile ${name}` : (source ?? "the chain")} are expired: ${msg}`, "refresh them", opts);
  return translateAwsError(err, { profile: explicit ? name : undefined, selfTest });
}

/** The provider the Bedrock client signs with (undefined: bearer, which the SDK handles from the environment). */
export async function credentialProvider(o: CredentialOptions): Promise<AwsCredentialIdentityProvider | undefined> {
  if (bearerToken() === "set") return undefined;
  let resolved: Promise<ResolvedCredentials> | undefined;
  // resolved on first use, so a client that is never used never probes the chain
  return async (p) => {
    resolved ??= resolveCredentials(o);
    const r = await resolved;
    return r.provider!(p);
  };
}
