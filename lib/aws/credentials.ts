// AWS credentials from the standard chain, walked in the SDK's own order so we can say which source won and why
// each other one was skipped: Bedrock API key (bearer), environment, profile (static keys, assume-role,
// credential_process, SSO, web identity), web identity from env, ECS/EKS container, EC2 instance metadata.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { ReduxError, ExitCode, isReduxError, translateAwsError } from "../errors.ts";
import { configFilePath, credentialsFilePath, profileName, profileSection } from "./profile.ts";
import { requestHandlerFor, serviceUrl } from "./http.ts";
import { redactText } from "../redact.ts";

export type DebugLog = (line: string) => void;

export type CredentialSource = "bearer" | "env" | "profile" | "assume-role" | "process" | "sso" | "web-identity" | "container" | "imds";

export interface CredentialOptions {
  profile?: string;
  region: string;
  timeoutMs: number;
  debug?: DebugLog;
  /** What our checks read (default process.env); the SDK's providers themselves always read process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedCredentials {
  source: CredentialSource;
  /** Human label: `env`, `profile work`, `sso (profile work)`, `container`… */
  label: string;
  /** Undefined for bearer: the Bedrock client reads AWS_BEARER_TOKEN_BEDROCK itself. */
  provider?: AwsCredentialIdentityProvider;
  identity?: AwsCredentialIdentity;
  /** Every link looked at, in order, with why it was skipped (for --debug and the "no credentials" hint). */
  tried: { link: string; outcome: string }[];
}

/** Anything but empty or "false" turns instance metadata off (the SDK's rule for the credential chain). */
const imdsDisabled = (env: NodeJS.ProcessEnv) => Boolean(env.AWS_EC2_METADATA_DISABLED) && env.AWS_EC2_METADATA_DISABLED !== "false";

function profileKind(section: Record<string, string>): CredentialSource | undefined {
  if (section.role_arn && (section.source_profile || section.credential_source)) return "assume-role";
  if (section.aws_access_key_id) return "profile";
  if (section.role_arn && section.web_identity_token_file) return "web-identity";
  if (section.credential_process) return "process";
  if (section.sso_session || section.sso_start_url) return "sso";
  return undefined;
}

/**
 * An SDK logger (the `logger` option of clients and providers) that sends the SDK's own lines to --debug and keeps
 * its console warnings off the screen otherwise. Lines pass through redactText: the SDK can quote request bits.
 */
export function sdkLogger(debug?: DebugLog) {
  const say = (level: string) => (...args: unknown[]) => debug?.(redactText(`sdk ${level}: ${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : `<${typeof a}>`)).join(" ")}`));
  return { trace: () => {}, debug: say("debug"), info: say("info"), warn: say("warn"), error: say("error") };
}

/** Wraps a provider so the chain's first answer is kept (providers refresh themselves near expiry through the SDK). */
const once = (p: AwsCredentialIdentityProvider, first: AwsCredentialIdentity): AwsCredentialIdentityProvider => {
  let cached: AwsCredentialIdentity | undefined = first;
  return async (o) => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - Date.now() > 5 * 60_000)) return cached;
    cached = undefined;
    return (cached = await p(o));
  };
};

/**
 * Finds the credentials the SDK would use, and says which source they came from. Throws ReduxError (exit 3) with
 * what was looked for, and where, when there are none.
 */
export function resolveCredentials(o: CredentialOptions): Promise<ResolvedCredentials> {
  // one walk per process and profile/region: the Bedrock client and STS then sign with the same provider, so an
  // assume-role, SSO or web identity exchange happens once; a failure is forgotten, so a later call tries again
  if (o.env) return walkChain(o);
  const key = `${o.profile ?? ""}\0${o.region}`;
  let p = resolved.get(key);
  if (!p) {
    resolved.set(key, (p = walkChain(o)));
    p.catch(() => resolved.delete(key));
  }
  return p;
}

const resolved = new Map<string, Promise<ResolvedCredentials>>();

async function walkChain(o: CredentialOptions): Promise<ResolvedCredentials> {
  const env = o.env ?? process.env;
  const tried: ResolvedCredentials["tried"] = [];
  const log = (link: string, outcome: string) => {
    tried.push({ link, outcome });
    o.debug?.(`credentials: ${link}: ${outcome}`);
  };
  const explicitProfile = o.profile || env.AWS_PROFILE;
  const name = profileName(o.profile, env);

  if ("AWS_BEARER_TOKEN_BEDROCK" in env) {
    log("bearer", "AWS_BEARER_TOKEN_BEDROCK is set: Bedrock requests use the API key (bearer auth)");
    return { source: "bearer", label: "bearer (AWS_BEARER_TOKEN_BEDROCK)", tried };
  }
  log("bearer", "skipped: AWS_BEARER_TOKEN_BEDROCK is not set");

  const providers = await import("@aws-sdk/credential-providers");
  // nested STS/SSO/SSO-OIDC clients go through the same proxy and CA settings as Bedrock. No region in clientConfig:
  // it would override the profile's sso_region; as the parent's region it only stands in for STS's own default.
  const logger = sdkLogger(o.debug);
  const clientConfig = { logger, requestHandler: await requestHandlerFor(serviceUrl("STS", o.region, undefined, env), { timeoutMs: o.timeoutMs, http2: false, env }) };
  const parentClientConfig = { region: o.region };
  const attempt = async (source: CredentialSource, label: string, p: AwsCredentialIdentityProvider, fatal: boolean): Promise<ResolvedCredentials | undefined> => {
    let identity: AwsCredentialIdentity;
    try {
      identity = await p();
    } catch (err) {
      const e = err as { name?: string; message?: string; tryNextLink?: boolean };
      log(label, `failed: ${e.message?.split("\n")[0]}`);
      // already said plainly (a proxy that is down or wants credentials): no point trying the next link
      if (isReduxError(err)) throw err;
      if (fatal || e.tryNextLink === false) throw credentialError(err, source, name, explicitProfile ? name : undefined);
      return undefined;
    }
    // the SDK signs with keys whose AWS_CREDENTIAL_EXPIRATION has passed; AWS would only say "invalid token"
    if (identity.expiration && identity.expiration.getTime() <= Date.now()) {
      log(label, `found credentials that expired at ${identity.expiration.toISOString()}`);
      throw expiredError(source, label, identity.expiration);
    }
    log(label, "found credentials");
    return { source, label, provider: once(p, identity), identity, tried };
  };

  if (explicitProfile) {
    log("env", `skipped: ${o.profile ? "--profile" : "AWS_PROFILE"} is set, so the profile is used instead`);
  } else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const r = await attempt("env", "env", providers.fromEnv({ logger }), true);
    if (r) return r;
  } else {
    log("env", "skipped: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
  }

  const section = profileSection(name, env);
  const kind = profileKind(section);
  if (kind) {
    const label = kind === "profile" ? `profile ${name}` : `${kind} (profile ${name})`;
    const r = await attempt(kind, label, providers.fromIni({ profile: name, clientConfig, parentClientConfig, ignoreCache: true, logger }), Boolean(explicitProfile));
    if (r) return r;
  } else if (explicitProfile) {
    throw new ReduxError(
      ExitCode.credentials,
      `profile ${name} has no credentials in ${configFilePath(env)} or ${credentialsFilePath(env)}`,
      `add keys, role_arn + source_profile, credential_process or sso_session to [profile ${name}], or check the name`,
    );
  } else {
    log(`profile ${name}`, `skipped: no credentials for it in ${configFilePath(env)} or ${credentialsFilePath(env)}`);
  }

  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
    const r = await attempt("web-identity", "web-identity", providers.fromTokenFile({ clientConfig, parentClientConfig, logger }), true);
    if (r) return r;
  } else log("web-identity", "skipped: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set");

  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    const r = await attempt("container", "container", providers.fromHttp({ timeout: Math.min(o.timeoutMs, 5000), maxRetries: 1, logger }), true);
    if (r) return r;
  } else log("container", "skipped: AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI are not set");

  if (imdsDisabled(env)) {
    log("imds", "skipped: AWS_EC2_METADATA_DISABLED is set");
  } else {
    // bounded: a laptop or CI runner has no metadata service, and must hear so within a second or two
    const r = await attempt("imds", "imds", providers.fromInstanceMetadata({ timeout: 1000, maxRetries: 0, logger }), false);
    if (r) return r;
  }

  throw new ReduxError(
    ExitCode.credentials,
    "no AWS credentials found",
    `looked for: AWS_BEARER_TOKEN_BEDROCK; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; profile ${name} in ${configFilePath(env)} and ${credentialsFilePath(env)}; AWS_WEB_IDENTITY_TOKEN_FILE+AWS_ROLE_ARN; AWS_CONTAINER_CREDENTIALS_*; EC2 instance metadata${imdsDisabled(env) ? " (disabled)" : ""}. Set keys, pass --profile, or run where a role is attached`,
  );
}

function expiredError(source: CredentialSource, label: string, at: Date): ReduxError {
  const hint = source === "env"
    ? "get fresh keys and export them again (for example `aws configure export-credentials --format env`), or unset AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN/AWS_CREDENTIAL_EXPIRATION to use another source"
    : "refresh them at their source, then run again";
  return new ReduxError(ExitCode.credentials, `the credentials from ${label} expired at ${at.toISOString()}`, hint);
}

function credentialError(err: unknown, source: CredentialSource, name: string, profile?: string): ReduxError {
  const msg = String((err as Error)?.message ?? err).split("\n")[0]!;
  const p = profile ? ` --profile ${profile}` : "";
  if (source === "sso") {
    return new ReduxError(ExitCode.credentials, `the SSO session for profile ${name} is expired or missing: ${msg}`, `run: aws sso login${p || ` --profile ${name}`}`, { cause: err });
  }
  if (source === "process") return new ReduxError(ExitCode.credentials, `credential_process of profile ${name} failed: ${msg}`, "run the command from ~/.aws/config by hand to see why", { cause: err });
  if (source === "assume-role") return new ReduxError(ExitCode.credentials, `assuming the role of profile ${name} failed: ${msg}`, "check role_arn, the source profile's keys, and the role's trust policy", { cause: err });
  if (source === "web-identity") return new ReduxError(ExitCode.credentials, `web identity role assumption failed: ${msg}`, "check AWS_ROLE_ARN, the token file, and the role's trust policy for your identity provider", { cause: err });
  if (source === "container") return new ReduxError(ExitCode.credentials, `the container credentials endpoint failed: ${msg}`, "check the task role and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)", { cause: err });
  if (/expired/i.test(msg)) return new ReduxError(ExitCode.credentials, `credentials of ${source === "profile" ? `profile ${name}` : source} are expired: ${msg}`, "refresh them", { cause: err });
  return translateAwsError(err, { profile });
}

/** The provider the Bedrock client signs with (undefined: bearer, which the SDK handles from the environment). */
export async function credentialProvider(o: CredentialOptions): Promise<AwsCredentialIdentityProvider | undefined> {
  let resolved: Promise<ResolvedCredentials> | undefined;
  if ("AWS_BEARER_TOKEN_BEDROCK" in (o.env ?? process.env)) return undefined;
  // resolved on first use, so a client that is never used never probes the chain
  return async () => {
    resolved ??= resolveCredentials(o);
    const r = await resolved;
    return r.provider!();
  };
}
