// Secret hygiene for anything redux prints: masks access key ids, and removes signatures, tokens and keys.

/** `AKIA1234567890ABCD` → `AKIA…ABCD` (first 4 and last 4 characters). */
export const maskKeyId = (id: string) => (id.length <= 8 ? "****" : `${id.slice(0, 4)}…${id.slice(-4)}`);

const SECRET_HEADERS = new Set(["x-amz-security-token", "x-amz-sso_bearer_token", "x-aws-ec2-metadata-token", "cookie"]);

export function redactHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (name === "authorization") out[k] = redactAuthorization(v);
    else if (SECRET_HEADERS.has(name)) out[k] = "<redacted>";
    else out[k] = v;
  }
  return out;
}

export function redactAuthorization(v: string): string {
  if (/^bearer\s/i.test(v)) return "Bearer <redacted>";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(.*?), ?SignedHeaders=([^,]+), ?Signature=/.exec(v);
  if (m) return `AWS4-HMAC-SHA256 Credential=${maskKeyId(m[1]!)}/${m[2]}, SignedHeaders=${m[3]}, Signature=<redacted>`;
  return "<redacted>";
}

/** The environment variables whose values must never reach the screen. */
const SECRET_ENV = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "REDUX_ENCRYPTION_KEY"];

/** The secrets set in the environment (those long enough to be told apart from ordinary text), for redactText. */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const found: string[] = [];
  for (const k of SECRET_ENV) if ((env[k] ?? "").length >= 8) found.push(env[k]!);
  return found;
}

/** Removes anything shaped like a secret from free text (SDK messages can quote request bits). */
export function redactText(s: string, secrets: readonly string[] = []): string {
  let out = s;
  for (const secret of secrets) if (secret && secret.length >= 8) out = out.split(secret).join("<redacted>");
  return out
    .replace(/(Signature=)[0-9a-f]{64}/g, "$1<redacted>")
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, "$1<redacted>");
}
