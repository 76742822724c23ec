// The HTTP layer under every AWS call. Bedrock gets the SDK's default HTTP/2 handler with an inactivity timeout,
// unless a proxy (HTTPS_PROXY/HTTP_PROXY, minus NO_PROXY) or a custom CA bundle applies, or a batch wants a pool:
// then an HTTP/1.1 handler with keep-alive agents that go through the proxy and trust the bundle. A batch's pool with
// no proxy variable and no bundle goes through Bun's fetch instead (lib/aws/fetch-handler.ts).
import { readFileSync } from "node:fs";
import { ReduxError, ExitCode } from "../errors.ts";
import { caBundleFor, certificatesIn, type CaBundleChoice } from "./ca-bundle.ts";

interface HandlerOptions {
  timeoutMs: number;
  /**
   * How much later than `timeoutMs` the handler's own limits on a silence end (connecting is still bounded by
   * `timeoutMs`). Bedrock Runtime's answers are bounded by streamTurn's first-event and idle timers of `timeoutMs`,
   * which say what was awaited; the handler's, ending at the same moment, raced them and sometimes won with its own
   * words (`the request socket timed out after 1000 ms of inactivity`).
   */
  graceMs?: number;
  /**
   * HTTP/2 is the SDK's default for Bedrock: one connection (one TLS handshake) per request. Without it, an HTTP/1.1
   * keep-alive pool of `maxSockets` connections is reused across requests, which is what a batch wants.
   */
  http2: boolean;
  maxSockets?: number;
  /**
   * The pool through the SDK's FetchHttpHandler over Bun's fetch (less CPU per request than node:http's emulation),
   * where no proxy variable is set at all and no CA bundle applies; otherwise as without it.
   */
  fetch?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The profile whose `ca_bundle` applies (default: AWS_PROFILE, which --profile sets, then `default`). */
  profile?: string;
}

const pick = (env: NodeJS.ProcessEnv, name: string) => env[name] || env[name.toLowerCase()] || undefined;

/** Does NO_PROXY (comma/space separated: `*`, hosts, `.domain`, `domain`, `host:port`, IPs) exempt this host? */
export function bypassesProxy(hostname: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const [h, p] = entry.startsWith("[") ? [entry.slice(1, entry.indexOf("]")), entry.split("]:")[1]] : (entry.split(":") as [string, string?]);
    if (p && p !== port) continue;
    const bare = h!.replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** The proxy URL to use for `url` under the standard variables, or undefined. */
export function proxyFor(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  if (bypassesProxy(u.hostname, port, pick(env, "NO_PROXY"))) return undefined;
  const proxy = u.protocol === "https:" ? pick(env, "HTTPS_PROXY") : pick(env, "HTTP_PROXY");
  // `proxy.corp:3128` without a scheme is common in corporate setups; curl reads it as http://
  return proxy && !/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? `http://${proxy}` : proxy;
}

/**
 * Trusted roots: a CA bundle (AWS_CA_BUNDLE, else the profile's `ca_bundle`: ca-bundle.ts) replaces the defaults, as
 * in the AWS CLI; without one, NODE_EXTRA_CA_CERTS adds to them. Read once per process for each setting.
 */
export function caCertificates(env: NodeJS.ProcessEnv = process.env, profile?: string): Promise<string[] | undefined> {
  const key = [env.AWS_CA_BUNDLE, env.NODE_EXTRA_CA_CERTS, profile ?? env.AWS_PROFILE, env.AWS_CONFIG_FILE, env.AWS_SHARED_CREDENTIALS_FILE, env.HOME].join("\0");
  let p = trusted.get(key);
  if (!p) trusted.set(key, (p = readCaCertificates(env, profile)));
  return p;
}

const trusted = new Map<string, Promise<string[] | undefined>>();

async function readCaCertificates(env: NodeJS.ProcessEnv, profile: string | undefined): Promise<string[] | undefined> {
  const read = ({ path, what, fix }: CaBundleChoice) => {
    // a relative path is read from the working directory, as the AWS CLI reads it: said in full
    const shown = path.startsWith("/") ? path : `${process.cwd()}/${path}`;
    let pem: string;
    try {
      pem = readFileSync(path, "utf8");
    } catch (err) {
      throw new ReduxError(ExitCode.usage, `cannot read ${what} (${shown}): ${(err as Error).message}`, fix);
    }
    // an empty, non-PEM or damaged file: said here, where it came from is known (the TLS layer would throw a bare
    // "Invalid CA", or trust nothing); the TLS layer gets the certificates that were checked, one string each
    try {
      return certificatesIn(pem);
    } catch (err) {
      throw new ReduxError(ExitCode.usage, `${what} (${shown}) ${(err as Error).message}`, fix);
    }
  };
  const bundle = await caBundleFor(env, profile);
  if (bundle) return read(bundle);
  if (env.NODE_EXTRA_CA_CERTS) {
    const { rootCertificates } = await import("node:tls");
    return [...rootCertificates, ...read({ path: env.NODE_EXTRA_CA_CERTS, what: "the CA bundle in NODE_EXTRA_CA_CERTS", fix: "point NODE_EXTRA_CA_CERTS at a readable PEM file of your CAs, or unset it" })];
  }
  return undefined;
}

/** The requestHandler option for an SDK client that talks to `url`. */
export async function requestHandlerFor(url: string, o: HandlerOptions): Promise<object> {
  const env = o.env ?? process.env;
  const proxy = proxyFor(url, env);
  const ca = await caCertificates(env, o.profile);
  const silenceMs = o.timeoutMs + (o.graceMs ?? 0);
  if (o.http2 && !proxy && !ca) return { requestTimeout: silenceMs };
  // Bun's fetch reads the proxy variables by itself, by NO_PROXY rules of its own: any of them, set at all, keeps the
  // proxied path below, which follows ours
  if (o.fetch && !ca && !Object.keys(env).some((k) => PROXY_VARIABLE.test(k))) return (await import("./fetch-handler.ts")).fetchHandler(silenceMs);
  const [{ NodeHttpHandler }, http, https] = await Promise.all([import("./node-http-handler.ts"), import("node:http"), import("node:https")]);
  const pool = { keepAlive: true, maxSockets: o.maxSockets ?? 50 };
  let httpAgent: InstanceType<typeof http.Agent>;
  let httpsAgent: InstanceType<typeof https.Agent>;
  if (proxy) {
    const { proxyAgents } = await import("./proxy-agents.ts");
    ({ httpsAgent, httpAgent } = proxyAgents(proxy, pool, ca) as unknown as { httpsAgent: typeof httpsAgent; httpAgent: typeof httpAgent });
  } else {
    httpsAgent = new https.Agent({ ...pool, ...(ca ? { ca } : {}) });
    httpAgent = new http.Agent(pool);
  }
  const options = { httpAgent, httpsAgent, connectionTimeout: o.timeoutMs, requestTimeout: silenceMs, socketTimeout: silenceMs, throwOnRequestTimeout: true };
  if (!proxy) return new NodeHttpHandler(options);
  const variable = new URL(url).protocol === "https:" ? "HTTPS_PROXY" : "HTTP_PROXY";
  const where = proxyDisplay(proxy);
  const proxyHost = where.replace(/^[a-z]+:\/\//, "");
  // failures of the proxy itself, said as such: otherwise a 407 surfaces as a JSON parse error of the proxy's page,
  // and a dead proxy as "cannot reach Bedrock"
  const askedForCredentials = () =>
    new ReduxError(
      ExitCode.unavailable,
      `the proxy ${where} (${variable}) asks for credentials: 407 Proxy Authentication Required`,
      `put them in the proxy URL: ${variable}=http://user:password@${proxyHost} (percent-encode special characters)`,
    );
  class ProxiedHandler extends NodeHttpHandler {
    override async handle(...args: Parameters<InstanceType<typeof NodeHttpHandler>["handle"]>) {
      let out: Awaited<ReturnType<InstanceType<typeof NodeHttpHandler>["handle"]>>;
      try {
        out = await super.handle(...args);
      } catch (err) {
        const code = (err as { code?: string }).code ?? "";
        if (PROXY_CONNECT_ERRORS.has(code)) {
          throw new ReduxError(ExitCode.unavailable, `cannot reach the proxy ${where} (${variable}): ${code}`, `check ${variable}, or list the host in NO_PROXY to go direct`, { cause: err });
        }
        if (code === "EPROXYCONNECT") {
          const { status, statusText, target } = err as import("./proxy-agents.ts").TunnelRefused;
          if (status === 407) throw askedForCredentials();
          const refused = new ReduxError(ExitCode.unavailable, `the proxy ${where} (${variable}) refused a tunnel to ${target}: ${status} ${statusText}`.trimEnd(), `check that the proxy may reach ${target}, or list the host in NO_PROXY to go direct`, { cause: err });
          // a proxy's 5xx is as passing as the service's own: marked with the SDK's retry trait, so it is retried
          throw status >= 500 ? Object.assign(refused, { $retryable: {} }) : refused;
        }
        throw err;
      }
      if (out.response.statusCode === 407) throw askedForCredentials();
      return out;
    }
  }
  return new ProxiedHandler(options);
}

type Handler = { handle(request: unknown, options?: unknown): Promise<unknown>; destroy?(): void };

/**
 * A request handler for clients whose hosts are only known per request: the nested STS, SSO, SSO-OIDC and sign-in
 * clients the credential providers build (the SSO portal is in sso_region, STS may be redirected elsewhere). The
 * proxy, NO_PROXY and CA settings are applied from each request's own URL; HTTP/1.1, as those clients use.
 */
export function perRequestHandler(o: Omit<HandlerOptions, "http2">) {
  const handlers = new Map<string, Promise<Handler>>();
  const handlerFor = (url: string) => {
    const key = `${new URL(url).protocol} ${proxyFor(url, o.env) ?? "direct"}`;
    let h = handlers.get(key);
    if (!h) handlers.set(key, (h = requestHandlerFor(url, { ...o, http2: false }) as Promise<Handler>));
    return h;
  };
  return {
    metadata: { handlerProtocol: "http/1.1" },
    async handle(request: { protocol: string; hostname: string; port?: number }, options?: unknown) {
      const host = request.hostname.includes(":") ? `[${request.hostname}]` : request.hostname;
      return (await handlerFor(`${request.protocol}//${host}${request.port ? `:${request.port}` : ""}/`)).handle(request, options);
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {
      for (const h of handlers.values()) void h.then((x) => x.destroy?.());
    },
  };
}

const PROXY_VARIABLE = /^(https?|all|no)_proxy$/i;

const PROXY_CONNECT_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ConnectionRefused"]);

/** A proxy URL fit to print: scheme, host and port, never the user and password it may carry. */
export const proxyDisplay = (proxy: string) => {
  try {
    const u = new URL(proxy);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(unparsable proxy URL)";
  }
};

const HOSTS = { BEDROCK_RUNTIME: "bedrock-runtime", BEDROCK: "bedrock", STS: "sts", S3: "s3" } as const;

/** Where a service's requests go: the explicit endpoint, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, or AWS. */
export function serviceUrl(service: keyof typeof HOSTS, region: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  const configured = configuredEndpoint(service, env);
  if (configured) return configured;
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${HOSTS[service]}.${region}.${suffix}`;
}

/** The endpoint the SDK itself reads from the environment for a service (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL). */
const configuredEndpoint = (service: keyof typeof HOSTS, env: NodeJS.ProcessEnv = process.env): string | undefined =>
  env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;

const SERVICE_IDS = { BEDROCK_RUNTIME: "Bedrock Runtime", BEDROCK: "Bedrock", STS: "STS", S3: "S3" } as const;

/**
 * The endpoint configured for a service as the SDK's own resolver reads it when the client is built without one:
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's [services] section, its endpoint_url (the profile:
 * AWS_PROFILE, which --profile sets), none under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls.
 */
export async function sdkConfiguredEndpoint(service: keyof typeof HOSTS): Promise<string | undefined> {
  try {
    const { resolveEndpointConfig } = await import("@smithy/core/endpoints");
    const cfg = resolveEndpointConfig({ serviceId: SERVICE_IDS[service] } as Parameters<typeof resolveEndpointConfig>[0]) as { serviceConfiguredEndpoint?: () => Promise<string | undefined> };
    return (await cfg.serviceConfiguredEndpoint?.()) || undefined;
  } catch {
    // a profile naming a missing [services] section: the SDK's own request says so
    return undefined;
  }
}

/** Where the SDK will send a service's requests (to choose the proxy and CA for that URL): serviceUrl, with the config file and the ignore settings read as the SDK reads them. */
export async function sdkServiceUrl(service: keyof typeof HOSTS, region: string, explicit?: string): Promise<string> {
  return explicit || (await sdkConfiguredEndpoint(service)) || serviceUrl(service, region, undefined, {});
}
