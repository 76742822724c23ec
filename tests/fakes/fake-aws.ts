// A loopback AWS for tests, the demo and the bench: Bedrock Runtime (Converse, ConverseStream with real event-stream
// framing), STS, the SSO portal and SSO-OIDC token refresh, ECS container credentials and IMDSv2, on one 127.0.0.1 port that speaks HTTP/2
// cleartext (what Bedrock's client uses) and HTTP/1.1 (everything else, and Bedrock through a proxy). Every signed
// request is verified with SigV4, so a wrong secret fails as it would on AWS. The real SDK talks to it; nothing is mocked.
// Run standalone: `bun tests/fakes/fake-aws.ts [--port N] [--delay-ms N] [--chunk-delay-ms N]` prints {"url","port"}
// and serves until SIGTERM/SIGINT.
// Answers echo the last user message (`Echo: <text>`, prefixed `[system: <text>] ` when there is a system prompt).
// Failures are picked by substrings of the model id, so end-to-end tests choose them with `-m custom:<region>:<id>`:
//   throttle-once (first request per model id) | throttle-always | throttle-10pct → 429 ThrottlingException
//   unavailable-always → 503 | access-denied → 403 | not-found → 404 | on-demand → 400 ValidationException
//   stream-error | stream-throttle → exception frame after partial text | error-frame → `:message-type: error` frame
//   truncated → clean end without messageStop/metadata | torn → half a frame | unknown-event → an extra unknown event
//   stall-first → never answers | stall-mid → silent after one delta | delay-<N>ms → N ms before the first event
//   answers-tier-<tier> → the metadata reports that service tier, whatever was asked
// A bare id the control plane lists as profile-only (tests/fakes/control-plane.ts) also answers "on-demand throughput
// isn't supported", as Bedrock does.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { featureAnswer, invalidConverse, metadataExtras, reasoningFrames } from "./converse-features.ts";
import { errorFrame, eventFrame, exceptionFrame, unknownEventFrame } from "./eventstream.ts";
import { parseAuthorization, verifySigV4 } from "./sigv4.ts";
import { ssoOidcCreateToken } from "./sso-oidc.ts";
import { createBatchJobs, type BatchJobsFake } from "./batch-jobs.ts";
import { createFakeControlPlane, isControlPlanePath, textModels, type FakeControlPlane } from "./control-plane.ts";
import { sendShape, streamShape } from "./stream-shapes.ts";
import { countTokensAnswer } from "./count-tokens.ts";
import { createPriceOffers, type PriceOffers } from "./price-offers.ts";

export interface FakeCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RecordedRequest {
  service: "bedrock" | "bedrock-control" | "sts" | "sso" | "sso-oidc" | "ecs" | "imds";
  operation: string;
  auth: "sigv4" | "bearer" | "none";
  accessKeyId?: string;
  region?: string;
  signingService?: string;
  verified: boolean;
  modelId?: string;
  httpVersion: "1.1" | "2.0";
  /** Which connection carried it (Bedrock's runtime requests): 1 for the fake's first, 2 for the next, and so on. */
  connection?: number;
  headers: Record<string, string>;
  body: any;
  /** What was answered; 0 when the fake never answers (`stall-first`). Recorded when the request arrives, so a
   * test can see a request that is still being delayed or stalled. */
  status: number;
}

export interface FakeAws {
  url: string;
  port: number;
  requests: RecordedRequest[];
  addCredential(c: FakeCredential): void;
  addBearerToken(token: string): void;
  issued: { assumeRole: FakeCredential; webIdentity: FakeCredential; sso: FakeCredential; ecs: FakeCredential; imds: FakeCredential };
  ecsAuthToken: string;
  ssoAccessToken: string;
  /** What IMDS answers for /latest/meta-data/placement/region (the SDK's region fallback on EC2). */
  imdsRegion: string;
  setDelayMs(ms: number): void;
  /** The control plane's model invocation jobs (tests/fakes/batch-jobs.ts); set `batchJobs.s3Endpoint` to use them. */
  batchJobs: BatchJobsFake;
  /** The control plane (tests/fakes/control-plane.ts): its catalog, denied operations and answering regions. */
  controlPlane: FakeControlPlane;
  /** Prompt-cache tokens every answer reports from now on (until reset), as Bedrock does when a cache point hits. */
  setCacheTokens(read: number, write: number): void;
  /** The AWS Price List offer files under /offers/ (price-offers.ts). */
  offers: PriceOffers;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_CREDENTIAL: FakeCredential = { accessKeyId: "AKIDFAKEEXAMPLE0001", secretAccessKey: "fake-secret-0001" };

const ACCOUNT = "123456789012";
const issuedCred = (id: string, n: string): FakeCredential => ({
  accessKeyId: id,
  secretAccessKey: `fake-issued-secret-${n}`,
  sessionToken: `fake-issued-session-token-${n}-${"x".repeat(24)}`,
});

type Req = http.IncomingMessage | http2.Http2ServerRequest;
// the HTTP/2 compatibility response has the same surface for what the fake uses
type Res = http.ServerResponse;

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
function firstWords(s: string, n: number) {
  let out = "";
  let seen = 0;
  for (const tok of s.split(/(\s+)/)) {
    if (tok.trim()) {
      if (seen === n) break;
      seen++;
    }
    out += tok;
  }
  return out.trimEnd();
}
const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export async function startFakeAws(opts: {
  port?: number;
  delayMs?: number;
  chunkDelayMs?: number;
  /** Sees each verified Bedrock request first, with the region it was signed for; true: it answered (tests/fakes/region-fleet.ts). */
  gate?: (region: string | undefined, req: http.IncomingMessage, res: http.ServerResponse) => boolean;
} = {}): Promise<FakeAws> {
  const creds = new Map<string, FakeCredential>([[DEFAULT_CREDENTIAL.accessKeyId, DEFAULT_CREDENTIAL]]);
  const bearer = new Set<string>();
  const issued = {
    assumeRole: issuedCred("ASIAFAKEASSUMEROLE01", "assume-role"),
    webIdentity: issuedCred("ASIAFAKEWEBIDENTITY1", "web-identity"),
    sso: issuedCred("ASIAFAKESSOROLE00001", "sso"),
    ecs: issuedCred("ASIAFAKEECSTASK00001", "ecs"),
    imds: issuedCred("ASIAFAKEIMDSROLE0001", "imds"),
  };
  for (const c of Object.values(issued)) creds.set(c.accessKeyId, c);
  const requests: RecordedRequest[] = [];
  const counters = new Map<string, number>();
  const imdsTokens = new Set<string>();
  let delayMs = opts.delayMs ?? 0;
  let cache = { read: 0, write: 0 };
  const chunkDelayMs = opts.chunkDelayMs ?? 2;
  const open = new Set<{ destroy(): void }>();
  let closing = false;
  const controlPlane = createFakeControlPlane();

  const fake: FakeAws = {
    url: "",
    port: 0,
    requests,
    addCredential: (c) => void creds.set(c.accessKeyId, c),
    addBearerToken: (t) => void bearer.add(t),
    issued,
    ecsAuthToken: "fake-ecs-token",
    ssoAccessToken: "fake-sso-access-token",
    imdsRegion: "us-east-1",
    setDelayMs: (ms) => void (delayMs = ms),
    batchJobs: undefined as unknown as BatchJobsFake,
    controlPlane,
    setCacheTokens: (read, write) => void (cache = { read, write }),
    offers: createPriceOffers(),
    reset() {
      fake.offers.reset();
      cache = { read: 0, write: 0 };
      requests.length = 0;
      counters.clear();
      fake.batchJobs.reset();
      controlPlane.reset();
    },
    close: async () => {
      closing = true;
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

  function headersOf(req: Req): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(",") : String(v);
    return out;
  }

  function record(r: Omit<RecordedRequest, "status">, status: number) {
    requests.push({ ...r, status });
  }

  function send(res: Res, status: number, headers: Record<string, string>, body: string) {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { "x-amzn-requestid": randomUUID(), ...headers });
    res.end(body);
  }

  const jsonError = (res: Res, status: number, name: string, message: string, extra: Record<string, string> = {}) =>
    send(res, status, { "content-type": "application/json", "x-amzn-errortype": name, ...extra }, JSON.stringify({ message }));

  const stsError = (res: Res, status: number, code: string, message: string) =>
    send(
      res,
      status,
      { "content-type": "text/xml" },
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );

  /** SigV4 check: returns the identity or answers the error itself (null). */
  async function authenticate(req: Req, res: Res, rawPath: string, body: Buffer, service: string, base: Omit<RecordedRequest, "status" | "auth" | "verified">, kind: "json" | "sts") {
    const headers = headersOf(req);
    const authz = headers.authorization;
    const fail = (status: number, name: string, msg: string, stsCode?: string) => {
      record({ ...base, auth: authz?.startsWith("Bearer ") ? "bearer" : authz ? "sigv4" : "none", verified: false }, status);
      if (kind === "sts") stsError(res, status, stsCode ?? name, msg);
      else jsonError(res, status, name, msg);
      return null;
    };
    if (!authz) return fail(403, "MissingAuthenticationTokenException", "Missing Authentication Token", "MissingAuthenticationToken");
    if (authz.startsWith("Bearer ")) {
      const token = authz.slice(7);
      if (service !== "bedrock" || !bearer.has(token)) return fail(403, "UnrecognizedClientException", "The security token included in the request is invalid.", "InvalidClientTokenId");
      return { auth: "bearer" as const };
    }
    const parsed = parseAuthorization(authz);
    if (!parsed) return fail(403, "IncompleteSignatureException", "Authorization header is malformed", "IncompleteSignature");
    const cred = creds.get(parsed.accessKeyId);
    const withKey = { ...base, accessKeyId: parsed.accessKeyId, region: parsed.region, signingService: parsed.service };
    const failKey = (status: number, name: string, msg: string, stsCode?: string) => {
      record({ ...withKey, auth: "sigv4", verified: false }, status);
      if (kind === "sts") stsError(res, status, stsCode ?? name, msg);
      else jsonError(res, status, name, msg);
      return null;
    };
    if (!cred) return failKey(403, "UnrecognizedClientException", "The security token included in the request is invalid.", "InvalidClientTokenId");
    if ((cred.sessionToken ?? "") !== (headers["x-amz-security-token"] ?? "")) {
      return failKey(403, "UnrecognizedClientException", "The security token included in the request is invalid.", "InvalidClientTokenId");
    }
    if (parsed.service !== service) return failKey(403, "InvalidSignatureException", `Credential should be scoped to correct service: '${service}'.`, "SignatureDoesNotMatch");
    const hash = headers["x-amz-content-sha256"];
    if (hash && !hash.startsWith("UNSIGNED") && !hash.startsWith("STREAMING") && hash !== createHash("sha256").update(body).digest("hex")) {
      return failKey(400, "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.", "SignatureDoesNotMatch");
    }
    const verdict = await verifySigV4({ method: req.method ?? "GET", rawPath, headers, body, parsed, secretAccessKey: cred.secretAccessKey });
    if (verdict === "expired") return failKey(403, "InvalidSignatureException", "Signature expired: the request time is too far from the server time.", "SignatureDoesNotMatch");
    if (verdict !== "ok") {
      return failKey(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        "SignatureDoesNotMatch",
      );
    }
    return { auth: "sigv4" as const, ...withKey };
  }

  // ---- Bedrock ------------------------------------------------------------------------------------------------

  function answerFor(body: any): { text: string; stopReason: string; input: number } {
    const msgs: any[] = Array.isArray(body?.messages) ? body.messages : [];
    const textOf = (m: any) => (Array.isArray(m?.content) ? m.content.map((b: any) => b?.text ?? "").join("") : "");
    const system = Array.isArray(body?.system) ? body.system.map((b: any) => b?.text ?? "").join("") : "";
    const lastUser = msgs.findLast((m) => m?.role === "user");
    let text = `${system ? `[system: ${system}] ` : ""}Echo: ${textOf(lastUser)}`;
    let stopReason = "end_turn";
    const cfg = body?.inferenceConfig ?? {};
    // a model stops at whichever comes first: the earliest stop sequence or the token limit
    const stopsAt = ((cfg.stopSequences ?? []) as unknown[])
      .filter((s): s is string => typeof s === "string" && s !== "")
      .map((s) => text.indexOf(s))
      .filter((i) => i >= 0);
    if (stopsAt.length) {
      text = text.slice(0, Math.min(...stopsAt));
      stopReason = "stop_sequence";
    }
    if (typeof cfg.maxTokens === "number" && words(text) > cfg.maxTokens) {
      text = firstWords(text, cfg.maxTokens);
      stopReason = "max_tokens";
    }
    const input = msgs.reduce((n, m) => n + words(textOf(m)), 0) + words(system);
    return { text, stopReason, input };
  }

  const chunksOf = (text: string) => {
    const parts = text.split(/(?<=\s)/);
    const n = Math.min(Math.max(3, Math.ceil(parts.length / 2)), 6);
    const size = Math.ceil(parts.length / n) || 1;
    const out: string[] = [];
    for (let i = 0; i < parts.length; i += size) out.push(parts.slice(i, i + size).join(""));
    return out.length ? out : [""];
  };

  async function bedrock(req: Req, res: Res, rawPath: string, body: Buffer, httpVersion: "1.1" | "2.0") {
    const m = /^\/model\/([^/?]+)\/(converse|converse-stream|count-tokens)$/.exec(rawPath.split("?")[0]!);
    const headers = headersOf(req);
    if (!m || req.method !== "POST") {
      record({ service: "bedrock", operation: "Unknown", auth: "none", verified: false, httpVersion, headers, body: undefined }, 404);
      return jsonError(res, 404, "UnknownOperationException", `no route for ${req.method} ${rawPath}`);
    }
    const modelId = decodeURIComponent(m[1]!);
    const operation = m[2] === "converse" ? "Converse" : m[2] === "count-tokens" ? "CountTokens" : "ConverseStream";
    let parsed: any;
    try {
      parsed = JSON.parse(body.toString("utf8") || "{}");
    } catch {
      parsed = undefined;
    }
    const base = { service: "bedrock" as const, operation, modelId, httpVersion, connection: connectionOf(req), headers, body: parsed };
    const who = await authenticate(req, res, rawPath, body, "bedrock", base, "json");
    if (!who) return;
    if (opts.gate?.((who as { region?: string }).region, req as http.IncomingMessage, res)) return;
    const rec = (status: number) => record({ ...base, ...who, verified: true }, status);
    const count = (counters.get(modelId) ?? 0) + 1;
    counters.set(modelId, count);
    if (parsed === undefined) {
      rec(400);
      return jsonError(res, 400, "SerializationException", "the request body is not JSON");
    }
    const invalid = invalidConverse(modelId, parsed);
    if (invalid) {
      rec(400);
      return jsonError(res, 400, "ValidationException", invalid);
    }
    if (modelId.includes("throttle-always") || (modelId.includes("throttle-once") && count === 1) || (modelId.includes("throttle-10pct") && Math.random() < 0.1)) {
      rec(429);
      return jsonError(res, 429, "ThrottlingException", "Too many requests, please wait before trying again.");
    }
    if (modelId.includes("unavailable-always")) {
      rec(503);
      return jsonError(res, 503, "ServiceUnavailableException", "The service is temporarily unavailable.");
    }
    if (modelId.includes("access-denied")) {
      rec(403);
      return jsonError(res, 403, "AccessDeniedException", "You don't have access to the model with the specified model ID.");
    }
    if (modelId.includes("not-found")) {
      rec(404);
      return jsonError(res, 404, "ResourceNotFoundException", "Model not found");
    }
    if (modelId.includes("on-demand") || controlPlane.profileOnly(modelId)) {
      rec(400);
      return jsonError(
        res,
        400,
        "ValidationException",
        `Invocation of model ID ${modelId.replace(/\.on-demand$/, "")} with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
      );
    }
    if (operation === "CountTokens") {
      const a = countTokensAnswer(modelId, parsed, (converse) => answerFor(converse).input);
      rec(a.status);
      return send(res, a.status, { "content-type": "application/json", ...(a.errorType ? { "x-amzn-errortype": a.errorType } : {}) }, JSON.stringify(a.body));
    }
    if (modelId.includes("stall-first")) {
      rec(0);
      return hold(res);
    }
    rec(200);
    const extraDelay = Number(/delay-(\d+)ms/.exec(modelId)?.[1] ?? 0);
    const t0 = Date.now();
    const plain = answerFor(parsed);
    const lastUser = (parsed.messages ?? []).findLast((m: any) => m?.role === "user");
    const featured = featureAnswer(modelId, parsed, plain.text, (lastUser?.content ?? []).map((b: any) => b?.text ?? "").join(""));
    const { text, input } = { ...plain, ...featured };
    const stopReason = featured.stopReason ?? plain.stopReason;
    const extras = metadataExtras(parsed, input, modelId);
    const usage = {
      inputTokens: input,
      outputTokens: words(text),
      totalTokens: input + words(text) + cache.read + cache.write,
      ...extras.usage,
      ...(cache.read || cache.write ? { cacheReadInputTokens: cache.read, cacheWriteInputTokens: cache.write } : {}),
    };

    await sleep(delayMs + extraDelay);

    if (operation === "Converse") {
      return send(
        res,
        200,
        { "content-type": "application/json" },
        JSON.stringify({ output: { message: { role: "assistant", content: [{ text }] } }, stopReason, usage, metrics: { latencyMs: Date.now() - t0 }, ...(extras.serviceTier ? { serviceTier: extras.serviceTier } : {}) }),
      );
    }
    if (res.headersSent || res.destroyed || closing) return;
    res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": randomUUID() });
    const write = async (frame: Uint8Array) => {
      if (closing || res.destroyed) return false;
      res.write(frame);
      if (chunkDelayMs) await sleep(chunkDelayMs);
      return true;
    };
    await write(eventFrame("messageStart", { role: "assistant" }));
    for (const f of reasoningFrames(modelId, parsed)) await write(f);
    if (modelId.includes("unknown-event")) await write(unknownEventFrame());
    if (modelId.includes("stream-error") || modelId.includes("stream-throttle")) {
      await write(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "partial " } }));
      if (modelId.includes("stream-error")) {
        await write(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "answer " } }));
        await write(exceptionFrame("modelStreamErrorException", { message: "The model stream failed", originalStatusCode: 500, originalMessage: "boom" }));
      } else {
        await write(exceptionFrame("throttlingException", { message: "Too many tokens, please wait before trying again." }));
      }
      return res.end();
    }
    const chunks = chunksOf(text);
    if (modelId.includes("stall-mid")) {
      await write(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: chunks[0] } }));
      return hold(res);
    }
    if (modelId.includes("error-frame")) {
      await write(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: chunks[0] } }));
      await write(errorFrame("InternalFailure", "The fake failed inside the stream"));
      return res.end();
    }
    if (modelId.includes("torn")) {
      await write(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: chunks[0] } }));
      const frame = eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "never whole" } });
      res.write(frame.subarray(0, Math.floor(frame.length / 2)));
      return res.end();
    }
    const shape = streamShape(modelId);
    if (shape) await sendShape(shape, (c) => write(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: c } })));
    else for (const c of chunks) await write(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: c } }));
    if (modelId.includes("truncated")) return res.end();
    await write(eventFrame("contentBlockStop", { contentBlockIndex: 0 }));
    await write(eventFrame("messageStop", { stopReason }));
    await write(eventFrame("metadata", { usage, metrics: { latencyMs: Date.now() - t0 }, ...(extras.serviceTier ? { serviceTier: extras.serviceTier } : {}) }));
    res.end();
  }

  /** Keeps a response open and silent until the client gives up or the fake closes. */
  function hold(res: Res) {
    const h2res = res as unknown as http2.Http2ServerResponse;
    const handle = { destroy: () => (h2res.stream ? h2res.stream.destroy() : res.destroy()) };
    if (closing || res.destroyed) {
      handle.destroy();
      return;
    }
    open.add(handle);
    res.on("close", () => open.delete(handle));
  }

  // ---- STS ----------------------------------------------------------------------------------------------------

  const stsXml = (op: string, inner: string) =>
    `<${op}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${op}Result>${inner}</${op}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${op}Response>`;
  const credXml = (c: FakeCredential) =>
    `<Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey><SessionToken>${c.sessionToken}</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials>`;

  async function sts(req: Req, res: Res, rawPath: string, body: Buffer, httpVersion: "1.1" | "2.0") {
    const form = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
    const op = form.Action ?? "Unknown";
    const base = { service: "sts" as const, operation: op, httpVersion, headers: headersOf(req), body: form };
    if (op === "AssumeRoleWithWebIdentity") {
      const token = form.WebIdentityToken ?? "";
      if (!token || token === "bad-token") {
        record({ ...base, auth: "none", verified: false }, 400);
        return stsError(res, 400, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS.");
      }
      record({ ...base, auth: "none", verified: true }, 200);
      const session = form.RoleSessionName ?? "session";
      return send(
        res,
        200,
        { "content-type": "text/xml" },
        stsXml(
          op,
          `<SubjectFromWebIdentityToken>fake-subject</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience><AssumedRoleUser><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/fake-webid/${xmlEscape(session)}</Arn><AssumedRoleId>AROAFAKEWEBID:${xmlEscape(session)}</AssumedRoleId></AssumedRoleUser>${credXml(issued.webIdentity)}<Provider>fake-oidc</Provider>`,
        ),
      );
    }
    const who = await authenticate(req, res, rawPath, body, "sts", base, "sts");
    if (!who) return;
    const ok = () => record({ ...base, ...who, verified: true }, 200);
    if (op === "GetCallerIdentity") {
      ok();
      const key = (who as { accessKeyId?: string }).accessKeyId ?? "";
      const isIssued = Object.values(issued).some((c) => c.accessKeyId === key);
      const arn = isIssued ? `arn:aws:sts::${ACCOUNT}:assumed-role/fake-role/${key}` : `arn:aws:iam::${ACCOUNT}:user/${key}`;
      return send(res, 200, { "content-type": "text/xml" }, stsXml(op, `<Arn>${arn}</Arn><UserId>${key}</UserId><Account>${ACCOUNT}</Account>`));
    }
    if (op === "AssumeRole") {
      ok();
      const session = form.RoleSessionName ?? "session";
      return send(
        res,
        200,
        { "content-type": "text/xml" },
        stsXml(op, `<AssumedRoleUser><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/fake-role/${xmlEscape(session)}</Arn><AssumedRoleId>AROAFAKE:${xmlEscape(session)}</AssumedRoleId></AssumedRoleUser>${credXml(issued.assumeRole)}`),
      );
    }
    record({ ...base, ...who, verified: true }, 400);
    return stsError(res, 400, "InvalidAction", `unknown action ${op}`);
  }

  // ---- SSO portal, ECS, IMDS ----------------------------------------------------------------------------------

  const expiresIn = () => new Date(Date.now() + 3600_000);

  function sso(req: Req, res: Res, url: URL, httpVersion: "1.1" | "2.0") {
    const headers = headersOf(req);
    const base = { service: "sso" as const, operation: "GetRoleCredentials", httpVersion, headers, body: Object.fromEntries(url.searchParams) };
    const token = headers["x-amz-sso_bearer_token"] ?? "";
    if (!safeEqual(token, fake.ssoAccessToken)) {
      record({ ...base, auth: "bearer", verified: false }, 401);
      return jsonError(res, 401, "UnauthorizedException", "Session token not found or invalid");
    }
    record({ ...base, auth: "bearer", verified: true }, 200);
    const c = issued.sso;
    send(res, 200, { "content-type": "application/json" }, JSON.stringify({ roleCredentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: expiresIn().getTime() } }));
  }

  function ecs(req: Req, res: Res, httpVersion: "1.1" | "2.0") {
    const headers = headersOf(req);
    const base = { service: "ecs" as const, operation: "ContainerCredentials", httpVersion, headers, body: undefined };
    if (!safeEqual(headers.authorization ?? "", fake.ecsAuthToken)) {
      record({ ...base, auth: "bearer", verified: false }, 401);
      return send(res, 401, { "content-type": "application/json" }, JSON.stringify({ Code: "Unauthorized", Message: "bad authorization token" }));
    }
    record({ ...base, auth: "bearer", verified: true }, 200);
    const c = issued.ecs;
    send(res, 200, { "content-type": "application/json" }, JSON.stringify({ AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken, Expiration: expiresIn().toISOString(), RoleArn: `arn:aws:iam::${ACCOUNT}:role/fake-task` }));
  }

  function imds(req: Req, res: Res, path: string, httpVersion: "1.1" | "2.0") {
    const headers = headersOf(req);
    const base = { service: "imds" as const, httpVersion, headers, body: undefined, auth: "none" as const };
    if (req.method === "PUT" && path === "/latest/api/token") {
      if (!headers["x-aws-ec2-metadata-token-ttl-seconds"]) {
        record({ ...base, operation: "ImdsToken", verified: false }, 400);
        return send(res, 400, { "content-type": "text/plain" }, "missing ttl");
      }
      const token = `fake-imds-token-${randomUUID()}`;
      imdsTokens.add(token);
      record({ ...base, operation: "ImdsToken", verified: true }, 200);
      return send(res, 200, { "content-type": "text/plain", "x-aws-ec2-metadata-token-ttl-seconds": "21600" }, token);
    }
    const op = path === "/latest/meta-data/placement/region" ? "ImdsRegion" : path.endsWith("/security-credentials/") ? "ImdsRoleName" : "ImdsCredentials";
    if (!imdsTokens.has(headers["x-aws-ec2-metadata-token"] ?? "")) {
      record({ ...base, operation: op, verified: false }, 401);
      return send(res, 401, { "content-type": "text/plain" }, "Unauthorized");
    }
    const known = op !== "ImdsCredentials" || path === "/latest/meta-data/iam/security-credentials/fake-instance-role";
    record({ ...base, operation: op, verified: true }, known ? 200 : 404);
    if (!known) return send(res, 404, { "content-type": "text/plain" }, "Not Found");
    if (op === "ImdsRegion") return send(res, 200, { "content-type": "text/plain" }, fake.imdsRegion);
    if (op === "ImdsRoleName") return send(res, 200, { "content-type": "text/plain" }, "fake-instance-role");
    const c = issued.imds;
    send(
      res,
      200,
      { "content-type": "application/json" },
      JSON.stringify({ Code: "Success", LastUpdated: new Date().toISOString(), Type: "AWS-HMAC", AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken, Expiration: expiresIn().toISOString() }),
    );
  }

  async function handle(req: Req, res: Res) {
    const httpVersion: "1.1" | "2.0" = req.httpVersionMajor === 2 ? "2.0" : "1.1";
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(Buffer.from(c as Uint8Array));
    const body = Buffer.concat(chunks);
    // an absolute URI arrives when a client sends plain HTTP through a forward proxy
    const rawPath = (req.url ?? "/").replace(/^https?:\/\/[^/]+/, "") || "/";
    const url = new URL(rawPath, "http://fake.invalid");
    try {
      if (rawPath.startsWith("/model/")) return await bedrock(req, res, rawPath, body, httpVersion);
      if (url.pathname.startsWith("/model-invocation-job") && (await batchJobs.handle(req, res, url.pathname, rawPath, body, httpVersion))) return;
      if (isControlPlanePath(url.pathname)) {
        const base = { service: "bedrock-control" as const, operation: controlPlane.operation(req.method ?? "", url.pathname) ?? "Unknown", httpVersion, headers: headersOf(req), body: Object.fromEntries(url.searchParams) };
        const who = await authenticate(req, res, rawPath, body, "bedrock", base, "json");
        if (!who) return;
        const r = controlPlane.handle(req.method ?? "", url, (who as { region?: string }).region);
        record({ ...base, ...who, verified: true }, r.status);
        return send(res, r.status, { "content-type": "application/json", ...(r.errorType ? { "x-amzn-errortype": r.errorType } : {}) }, JSON.stringify(r.body));
      }
      if (url.pathname === "/federation/credentials") return sso(req, res, url, httpVersion);
      if (req.method === "POST" && url.pathname === "/token") {
        const r = ssoOidcCreateToken(body, fake.ssoAccessToken);
        record({ service: "sso-oidc", operation: "CreateToken", auth: "none", verified: r.status === 200, httpVersion, headers: headersOf(req), body: undefined }, r.status);
        return send(res, r.status, { "content-type": "application/json", ...(r.errorType ? { "x-amzn-errortype": r.errorType } : {}) }, JSON.stringify(r.json));
      }
      if (url.pathname.startsWith("/ecs/")) return ecs(req, res, httpVersion);
      if (url.pathname.startsWith("/latest/")) return imds(req, res, url.pathname, httpVersion);
      if (fake.offers.handle(req, res, url.pathname)) return;
      if (req.method === "POST" && url.pathname === "/") return await sts(req, res, rawPath, body, httpVersion);
      send(res, 404, { "content-type": "application/json" }, JSON.stringify({ message: `no route for ${req.method} ${rawPath}` }));
    } catch (err) {
      send(res, 500, { "content-type": "application/json", "x-amzn-errortype": "InternalServerException" }, JSON.stringify({ message: String(err) }));
    }
  }

  // the control plane's batch jobs: SigV4 for bedrock, the fake model's answers, S3 through s3rver
  const jobs = createBatchJobs({
    account: ACCOUNT,
    answerFor,
    json: (res, status, body) => send(res, status, { "content-type": "application/json" }, JSON.stringify(body)),
    error: jsonError,
    hold,
  });
  fake.batchJobs = jobs.fake;
  const batchJobs = {
    async handle(req: Req, res: Res, path: string, rawPath: string, body: Buffer, httpVersion: "1.1" | "2.0") {
      return jobs.handle(req.method ?? "GET", path, body, res, async (operation, parsed) => {
        const base = { service: "bedrock" as const, operation, httpVersion, headers: headersOf(req), body: parsed };
        const who = await authenticate(req, res, rawPath, body, "bedrock", base, "json");
        if (!who) return null;
        return { region: (who as { region?: string }).region, rec: (status: number) => record({ ...base, ...who, verified: true }, status) };
      });
    },
  };

  // connections numbered as they are accepted: an HTTP/1.1 request by its socket, an HTTP/2 one by its session
  const connections = new WeakMap<object, number>();
  let accepted = 0;
  /** The number of the socket being handed to the HTTP/2 server, which makes its session then and there. */
  let handing = 0;
  const connectionOf = (req: Req) => connections.get("stream" in req ? req.stream.session! : req.socket);
  const h1 = http.createServer((req, res) => void handle(req, res));
  const h2 = http2.createServer((req, res) => void handle(req, res as unknown as Res));
  h2.on("session", (s) => {
    connections.set(s, handing);
    open.add(s);
    s.on("close", () => open.delete(s));
  });
  const PREFACE = Buffer.from("PRI * HTTP/2.0");
  // One port for both protocols: read until the bytes either are or cannot become the h2 preface, put them back,
  // and hand the socket over. The unshifted bytes reach http2 under Bun 1.4.5 and under Node 20 (checked with an
  // SDK ConverseStream over h2c in both), so the Duplex-replay wrapper the reference describes is not needed.
  const server = net.createServer((socket) => {
    connections.set(socket, ++accepted);
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    // a client that resets before the hand-over must not become an uncaught 'error'
    socket.on("error", () => socket.destroy());
    let head = Buffer.alloc(0);
    const sniff = () => {
      for (let chunk: Buffer | null; (chunk = socket.read()) !== null; ) head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const couldBeH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (head.length === 0 || (couldBeH2 && n < PREFACE.length)) return;
      socket.off("readable", sniff);
      socket.off("end", ended);
      socket.unshift(head);
      handing = connections.get(socket)!;
      (couldBeH2 ? h2 : h1).emit("connection", socket);
    };
    const ended = () => socket.destroy();
    socket.on("readable", sniff);
    socket.once("end", ended);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  fake.port = (server.address() as net.AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

function safeEqual(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const fake = await startFakeAws({ port: arg("--port"), delayMs: arg("--delay-ms"), chunkDelayMs: arg("--chunk-delay-ms") });
  // --text-models N: a catalog of N plain on-demand text models only (the bench's redux-test-model --all)
  const n = arg("--text-models");
  if (n) Object.assign(fake.controlPlane.state, { models: textModels(n), profiles: [], provisioned: [], custom: [], imported: [] });
  process.stdout.write(`${JSON.stringify({ url: fake.url, port: fake.port })}\n`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
