// The one error type of redux: every failure carries its exit code and a hint a person can act on.
// AWS SDK errors are translated here, once, by `err.name` (minified builds rename classes).

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  credentials: 3,
  access: 4,
  unavailable: 5,
  rejected: 6,
  partial: 7,
  locked: 8,
  /** A file could not be written or read for a reason other than its path: the disk is full or failing. */
  io: 9,
  interrupted: 130,
} as const;

/** The error class names used in `--json` output and batch lines, one per exit code. */
const ErrorClass: Record<number, string> = {
  1: "internal",
  2: "usage",
  3: "credentials",
  4: "access",
  5: "unavailable",
  6: "rejected",
  7: "partial",
  8: "locked",
  9: "io",
  130: "interrupted",
};

export class ReduxError extends Error {
  override name = "ReduxError";
  readonly code: number;
  readonly hint?: string;
  constructor(code: number, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.hint = hint;
  }
  get errorClass(): string {
    return ErrorClass[this.code] ?? "internal";
  }
}

export const isReduxError = (err: unknown): err is ReduxError =>
  err instanceof Error && err.name === "ReduxError" && typeof (err as ReduxError).code === "number";

export const usageError = (message: string, hint?: string) => new ReduxError(ExitCode.usage, message, hint);

export interface AwsErrorContext {
  region?: string;
  modelId?: string;
  profile?: string;
  /** The IAM action the call needed, named in the access-denied hint. */
  action?: string;
  /** The service called, named in network and timeout errors (default Bedrock). */
  service?: "Bedrock" | "STS";
  /** The caller is redux-test-model: its hints must not send the person to run redux-test-model. */
  selfTest?: boolean;
}

/** The geography prefix of a region's cross-region inference profiles (`us.`, `eu.`, `apac.`...). */
export function inferenceProfilePrefix(region: string): string {
  if (region.startsWith("us-gov-")) return "us-gov.";
  if (region.startsWith("us-") || region.startsWith("ca-")) return "us.";
  if (region.startsWith("eu-") || region.startsWith("il-") || region.startsWith("me-")) return "eu.";
  if (region.startsWith("ap-")) return "apac.";
  if (region.startsWith("sa-")) return "us.";
  return "us.";
}

/**
 * AWS error names (`err.name`) by what they mean: the one table that translateAwsError, failover (lib/bedrock/failover.ts)
 * and the batch runner's backoff read.
 */
export const AWS_ERROR_NAMES = {
  credentials: new Set([
    "CredentialsProviderError",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidIdentityToken",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "TokenProviderError",
    "UnauthorizedException",
  ]),
  access: new Set(["AccessDeniedException", "AccessDenied"]),
  throttling: new Set(["ThrottlingException", "ServiceQuotaExceededException", "TooManyRequestsException"]),
  unavailable: new Set(["ServiceUnavailableException", "InternalServerException", "ModelNotReadyException", "ModelTimeoutException"]),
  /** The model (or the resource) failed the request: retrying the same request may work, not a different one. */
  modelFailed: new Set(["ModelStreamErrorException", "ModelErrorException", "ConflictException", "ResourceInUseException"]),
} as const;

/** The name of the AWS error behind a translated one ("" for errors of our own). */
export const awsErrorName = (err: ReduxError) => ((err.cause ?? {}) as { name?: string }).name ?? "";


/** Turns anything thrown by the AWS SDK (or the network under it) into a ReduxError. */
export function translateAwsError(err: unknown, ctx: AwsErrorContext = {}): ReduxError {
  if (isReduxError(err)) return err;
  const e = (err ?? {}) as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? "Error";
  const message = firstLine(e.message ?? String(err));
  const where = ctx.region ? ` in ${ctx.region}` : "";
  const model = ctx.modelId ? ` ${ctx.modelId}` : "";
  const opts = { cause: err };
  const svc = ctx.service ?? "Bedrock";

  if (name === "AbortError") return new ReduxError(ExitCode.interrupted, "interrupted", undefined, opts);
  if (AWS_ERROR_NAMES.credentials.has(name) || /could not load credentials|credential is missing/i.test(message)) return credentialError(name, message, ctx, opts);
  if (AWS_ERROR_NAMES.access.has(name)) {
    const action = ctx.action ?? "bedrock:InvokeModelWithResponseStream";
    return new ReduxError(
      ExitCode.access,
      `access denied to${model || " the model"}${where}: ${message}`,
      `enable model access for this model${where} in the Bedrock console, and allow the IAM action ${action} on it`,
      opts,
    );
  }
  if (name === "ResourceNotFoundException") {
    return new ReduxError(
      ExitCode.access,
      `model not found${where}:${model} (${message})`,
      "check the model id (`aws bedrock list-foundation-models`) and that the model is offered in that region",
      opts,
    );
  }
  if (name === "ValidationException") {
    if (/on-demand throughput/i.test(message) && ctx.modelId && ctx.region) {
      const id = ctx.modelId;
      const suggestion = `${inferenceProfilePrefix(ctx.region)}${id}`;
      return new ReduxError(
        ExitCode.rejected,
        `${id} cannot be called on demand${where}: ${message}`,
        `use the inference profile id instead: custom:${ctx.region}:${suggestion}`,
        opts,
      );
    }
    return new ReduxError(ExitCode.rejected, `request rejected: ${message}`, "check the model id and the inference settings (--max-tokens, --temperature, --top-p)", opts);
  }
  if (AWS_ERROR_NAMES.throttling.has(name)) {
    return new ReduxError(ExitCode.unavailable, `throttled by Bedrock${where}: ${message}`, "wait and retry, lower the request rate, or ask for a quota increase", opts);
  }
  if (AWS_ERROR_NAMES.unavailable.has(name)) {
    return new ReduxError(ExitCode.unavailable, `Bedrock is unavailable${where} (${name}): ${message}`, "retry later; if it persists, try another region", opts);
  }
  const network = networkError(err, { name, message, code: e.code, svc, where }, opts);
  if (network) return network;
  if (AWS_ERROR_NAMES.modelFailed.has(name)) {
    return new ReduxError(ExitCode.rejected, `the model failed (${name}): ${message}`, "retry; if it persists, shorten the prompt or try another model", opts);
  }
  if (/Region not accepted|Region is missing/i.test(message)) {
    return new ReduxError(ExitCode.usage, message, "pass a region: custom:<region>:<model-id>, --region or AWS_REGION", opts);
  }
  const status = e.$metadata?.httpStatusCode;
  if (status && status >= 500) return new ReduxError(ExitCode.unavailable, `${svc} error ${status} (${name}): ${message}`, "retry later", opts);
  if (status && status >= 400) return new ReduxError(ExitCode.rejected, `${svc} rejected the request ${status} (${name}): ${message}`, "check the model id, the region and the inference settings; --debug shows the request", opts);
  return new ReduxError(ExitCode.internal, `${name}: ${message}`, "run again with --debug for details", opts);
}

/** A timeout, a connection that could not be made or was lost, or a certificate that is not trusted; else undefined. */
function networkError(err: unknown, { name, message, code, svc, where }: { name: string; message: string; code?: string; svc: string; where: string }, opts: { cause: unknown }): ReduxError | undefined {
  if (name === "TimeoutError" || name === "RequestTimeout" || /timed out|timeout/i.test(message)) {
    return new ReduxError(ExitCode.unavailable, `timed out waiting for ${svc}${where}: ${message}`, `raise --timeout or check the network path to ${svc}${svc === "STS" ? " (AWS_ENDPOINT_URL_STS, HTTPS_PROXY/NO_PROXY)" : ""}`, opts);
  }
  const failed = connectFailure(err);
  if (failed) {
    const hint = svc === "STS"
      ? "check the network, HTTPS_PROXY/NO_PROXY, and AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) if STS is reached through an endpoint of your own"
      : failed.code === "ECONNREFUSED"
        ? "nothing is listening there: check the endpoint it came from (--endpoint-url, AWS_ENDPOINT_URL_*, a profile's endpoint_url) and HTTPS_PROXY/NO_PROXY"
        : "check the network and DNS, HTTPS_PROXY/NO_PROXY, and the endpoint if you set one (--endpoint-url, AWS_ENDPOINT_URL_*, a profile's endpoint_url)";
    return new ReduxError(ExitCode.unavailable, `cannot reach ${svc}${where}: ${failed.text}`, hint, opts);
  }
  // a code connectFailure knows was answered above; these are the connections lost, or refused in other words
  if (["ECONNRESET", "EPIPE"].includes(code ?? "")
    || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|socket hang up|Socket is closed|Unable to connect|ConnectionRefused|ERR_HTTP2/i.test(`${name} ${message}`)) {
    return new ReduxError(
      ExitCode.unavailable,
      `cannot reach ${svc}${where}: ${message}`,
      svc === "STS" ? "check the network, HTTPS_PROXY/NO_PROXY, and AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) if STS is reached through an endpoint of your own" : "check the network, HTTPS_PROXY/NO_PROXY and --endpoint-url",
      opts,
    );
  }
  return untrustedCertificate(err);
}

/**
 * A server certificate the TLS layer did not trust, as every HTTPS call of redux reports it (the AWS calls above, the
 * price downloads); else undefined. The hint names what is in effect: while AWS_CA_BUNDLE is set, the profile's
 * ca_bundle and NODE_EXTRA_CA_CERTS are not read; the config file is AWS_CONFIG_FILE's when that is set.
 */
export function untrustedCertificate(err: unknown, env: NodeJS.ProcessEnv = process.env): ReduxError | undefined {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  const text = firstLine(message ?? String(err));
  if (!/CERT|certificate|self[- ]signed|UNABLE_TO_VERIFY|unable to get local issuer/i.test(`${code ?? ""} ${text}`)) return undefined;
  const hint = env.AWS_CA_BUNDLE
    ? `the CA bundle in AWS_CA_BUNDLE (${env.AWS_CA_BUNDLE}) does not trust this server: point AWS_CA_BUNDLE at your organisation's CA bundle (while it is set, the profile's ca_bundle is not read)`
    : `behind a TLS-inspecting proxy, point AWS_CA_BUNDLE or the profile's ca_bundle setting in ${env.AWS_CONFIG_FILE || "~/.aws/config"} (or NODE_EXTRA_CA_CERTS) at your organisation's CA bundle`;
  return new ReduxError(ExitCode.unavailable, `TLS: the server's certificate is not trusted (${code ?? text})`, hint, { cause: err });
}

const firstLine = (s: string) => s.split("\n")[0]!.trim();

const CONNECT_FAILURES: Record<string, (target: string) => string> = {
  ECONNREFUSED: (t) => `could not connect to ${t}: connection refused`,
  ETIMEDOUT: (t) => `could not connect to ${t}: connection timed out`,
  EHOSTUNREACH: (t) => `could not connect to ${t}: host unreachable`,
  ENETUNREACH: (t) => `could not connect to ${t}: network unreachable`,
  ENOTFOUND: (t) => `could not resolve ${t}: no such host`,
  EAI_AGAIN: (t) => `could not resolve ${t}: DNS lookup failed (temporary)`,
};

/**
 * A connection that could not be made, said plainly: the system error under the SDK's (Bun's HTTP/2 client wraps it
 * as "The pending stream has been canceled (caused by: connect ECONNREFUSED 127.0.0.1:9)"), with the host:port it was for.
 */
function connectFailure(err: unknown): { code: string; text: string } | undefined {
  let e = err as { code?: string; message?: string; address?: string; port?: number; hostname?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e === "object" && depth < 5; depth++, e = e.cause as typeof e) {
    const said = /\b(?:connect|getaddrinfo) (E[A-Z_]+)(?: ([^\s()]+))?/.exec(e.message ?? "");
    const code = e.code && CONNECT_FAILURES[e.code] ? e.code : said?.[1];
    if (!code || !CONNECT_FAILURES[code]) continue;
    const target = e.address ? `${e.address.includes(":") ? `[${e.address}]` : e.address}${e.port ? `:${e.port}` : ""}` : (e.hostname ?? said?.[2] ?? "the endpoint");
    return { code, text: CONNECT_FAILURES[code]!(target) };
  }
  return undefined;
}

/** Credentials that are missing, expired or rejected: what to do depends on which. */
function credentialError(name: string, message: string, ctx: AwsErrorContext, opts: { cause: unknown }): ReduxError {
  const profileFlag = ctx.profile ? ` --profile ${ctx.profile}` : "";
  const showSources = ctx.selfTest ? "--debug shows each source tried" : "`redux-test-model --debug` shows each source tried";
  // an empty AWS_BEARER_TOKEN_BEDROCK is ignored (lib/aws/credentials.ts): only a set one is what was rejected
  const bearer = Boolean(process.env.AWS_BEARER_TOKEN_BEDROCK) && (ctx.service ?? "Bedrock") === "Bedrock";
  if (/sso/i.test(message)) {
    return new ReduxError(ExitCode.credentials, `SSO session expired or missing: ${message}`, `run: aws sso login${profileFlag}`, opts);
  }
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return new ReduxError(
      ExitCode.credentials,
      `no AWS credentials found: ${message}`,
      `set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile (~/.aws/config, ~/.aws/credentials), or run where a role is attached (web identity, ECS, EC2); ${showSources}`,
      opts,
    );
  }
  if (/expired/i.test(message) || name.startsWith("Expired")) {
    return new ReduxError(ExitCode.credentials, `AWS credentials expired: ${message}`, `refresh them (for SSO: aws sso login${profileFlag})`, opts);
  }
  if (bearer) {
    return new ReduxError(
      ExitCode.credentials,
      `Bedrock rejected the API key in AWS_BEARER_TOKEN_BEDROCK (${name}): ${message}`,
      "check AWS_BEARER_TOKEN_BEDROCK: the key may be mistyped, expired, revoked, or for another region; unset it to sign with your AWS credentials instead",
      opts,
    );
  }
  return new ReduxError(
    ExitCode.credentials,
    `AWS rejected the credentials (${name}): ${message}`,
    `check the access key and secret (a wrong secret or a stale session token)${ctx.selfTest ? "" : "; `redux-test-model` shows which source was used"}`,
    opts,
  );
}
