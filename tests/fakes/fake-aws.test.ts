// The fake itself, proven with the real SDK (no mocks): if these fail, every end-to-end test is suspect.
// Clients get explicit credentials, region and endpoint; on top of that every test runs with the inherited AWS_*
// variables removed and the whole environment restored afterwards, so a developer's profile or a stray
// AWS_BEARER_TOKEN_BEDROCK cannot change what the SDK sends.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, type ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromHttp, fromInstanceMetadata, fromSSO, fromTokenFile, fromWebToken } from "@aws-sdk/credential-providers";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CREDENTIAL, startFakeAws, type FakeAws, type FakeCredential } from "./fake-aws.ts";

let savedEnv: Record<string, string | undefined>;
beforeEach(() => {
  savedEnv = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0";

function bedrock(o: { credentials?: FakeCredential; http1?: boolean; maxAttempts?: number; requestTimeout?: number; target?: FakeAws } = {}) {
  const requestHandler = o.http1
    ? new NodeHttpHandler({ requestTimeout: o.requestTimeout, throwOnRequestTimeout: true })
    : o.requestTimeout
      ? { requestTimeout: o.requestTimeout }
      : undefined;
  return new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: (o.target ?? fake).url,
    credentials: o.credentials ?? DEFAULT_CREDENTIAL,
    maxAttempts: o.maxAttempts,
    ...(requestHandler ? { requestHandler } : {}),
  });
}
const msg = (text: string) => [{ role: "user" as const, content: [{ text }] }];

/** Streams to the end (or the first error) and keeps what arrived before it. */
async function stream(client: BedrockRuntimeClient, modelId: string, text = "hi there") {
  const events: string[] = [];
  const all: ConverseStreamOutput[] = [];
  let answer = "";
  let error: any;
  try {
    const res = await client.send(new ConverseStreamCommand({ modelId, messages: msg(text) }));
    for await (const ev of res.stream!) {
      all.push(ev);
      events.push(Object.entries(ev).find(([, v]) => v !== undefined)![0]);
      answer += ev.contentBlockDelta?.delta?.text ?? "";
    }
  } catch (e) {
    error = e;
  }
  return { answer, events, all, error };
}
const converseError = (client: BedrockRuntimeClient, modelId: string) =>
  client.send(new ConverseCommand({ modelId, messages: msg("x") })).then(
    () => undefined,
    (e) => e,
  );

describe("Bedrock ConverseStream and Converse", () => {
  test("each request names the connection that carried it: HTTP/2's isolated stream sessions apart, a keep-alive HTTP/1.1 one shared", async () => {
    const h2 = bedrock();
    await stream(h2, "m");
    await stream(h2, "m");
    const h1 = bedrock({ http1: true });
    await stream(h1, "m");
    await stream(h1, "m");
    const seen = fake.requests.map((q) => q.connection);
    expect(seen.every((n) => typeof n === "number" && n > 0)).toBe(true);
    // the SDK's HTTP/2 handler opens a session for every event stream; node:http's agent keeps its socket
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[2]).toBe(seen[3]);
    expect(new Set(seen).size).toBe(3);
  });

  test("ConverseStream over h2c streams the echo in several deltas and ends with messageStop + metadata", async () => {
    const r = await stream(bedrock(), "anthropic.claude-3-haiku-20240307-v1:0", "one two three four five");
    expect(r.error).toBeUndefined();
    expect(r.answer).toBe("Echo: one two three four five");
    expect(r.events[0]).toBe("messageStart");
    expect(r.events.filter((e) => e === "contentBlockDelta").length).toBeGreaterThanOrEqual(3);
    expect(r.events.slice(-3)).toEqual(["contentBlockStop", "messageStop", "metadata"]);
    expect(r.all.at(-2)!.messageStop!.stopReason).toBe("end_turn");
    expect(r.all.at(-1)!.metadata!.usage).toEqual({ inputTokens: 5, outputTokens: 6, totalTokens: 11 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      service: "bedrock",
      operation: "ConverseStream",
      auth: "sigv4",
      accessKeyId: DEFAULT_CREDENTIAL.accessKeyId,
      region: "us-east-1",
      signingService: "bedrock",
      verified: true,
      modelId: "anthropic.claude-3-haiku-20240307-v1:0",
      httpVersion: "2.0",
      status: 200,
      body: { messages: msg("one two three four five") },
    });
    expect(fake.requests[0]!.headers[":path"]).toBe("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream");
  });

  test("HTTP/1.1 clients (NodeHttpHandler, as through a proxy) are served on the same port", async () => {
    const r = await stream(bedrock({ http1: true }), "m");
    expect(r.answer).toBe("Echo: hi there");
    expect(r.events.at(-1)).toBe("metadata");
    expect(fake.requests[0]).toMatchObject({ httpVersion: "1.1", verified: true, status: 200 });
  });

  test("model ids with ':' and ARNs with '/' arrive decoded, over both protocols", async () => {
    for (const http1 of [false, true]) {
      fake.reset();
      for (const id of ["anthropic.claude-3-haiku-20240307-v1:0", ARN]) expect((await stream(bedrock({ http1 }), id)).answer).toBe("Echo: hi there");
      expect(fake.requests.map((q) => q.modelId)).toEqual(["anthropic.claude-3-haiku-20240307-v1:0", ARN]);
      expect(fake.requests.every((q) => q.verified)).toBe(true);
    }
  });

  test("Converse: system prefix, last user message, usage, and inference settings kept in the recorded body", async () => {
    const c = await bedrock().send(
      new ConverseCommand({
        modelId: "m",
        system: [{ text: "be brief" }],
        messages: [...msg("first turn"), { role: "assistant", content: [{ text: "ok" }] }, ...msg("second turn here")],
        inferenceConfig: { temperature: 0.2, topP: 0.9 },
      }),
    );
    expect(c.output?.message).toEqual({ role: "assistant", content: [{ text: "[system: be brief] Echo: second turn here" }] });
    expect(c.stopReason).toBe("end_turn");
    expect(c.usage).toEqual({ inputTokens: 8, outputTokens: 7, totalTokens: 15 });
    expect(c.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.requests[0]).toMatchObject({ operation: "Converse", body: { inferenceConfig: { temperature: 0.2, topP: 0.9 } } });
  });

  test("maxTokens and stopSequences cut the answer with the matching stopReason", async () => {
    const run = (inferenceConfig: object) => bedrock().send(new ConverseCommand({ modelId: "m", messages: msg("a b c d"), inferenceConfig }));
    const capped = await run({ maxTokens: 3 });
    expect([capped.output?.message?.content?.[0]?.text, capped.stopReason, capped.usage?.outputTokens]).toEqual(["Echo: a b", "max_tokens", 3]);
    const stopped = await run({ stopSequences: [" c"] });
    expect([stopped.output?.message?.content?.[0]?.text, stopped.stopReason]).toEqual(["Echo: a b", "stop_sequence"]);
    const roomy = await run({ maxTokens: 50, stopSequences: ["zzz"] });
    expect([roomy.output?.message?.content?.[0]?.text, roomy.stopReason]).toEqual(["Echo: a b c d", "end_turn"]);
    const s = await stream(bedrock(), "m", "a b c d");
    expect(s.all.find((e) => e.messageStop)?.messageStop?.stopReason).toBe("end_turn");
  });
});

describe("authentication", () => {
  test("a wrong secret → InvalidSignatureException, an unknown key → UnrecognizedClientException", async () => {
    const wrong = await converseError(bedrock({ credentials: { ...DEFAULT_CREDENTIAL, secretAccessKey: "nope" } }), "m");
    expect([wrong.name, wrong.$metadata.httpStatusCode]).toEqual(["InvalidSignatureException", 403]);
    const unknown = await converseError(bedrock({ credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" } }), "m");
    expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual(["UnrecognizedClientException", 403]);
    expect(fake.requests.map((q) => [q.status, q.verified, q.accessKeyId])).toEqual([
      [403, false, DEFAULT_CREDENTIAL.accessKeyId],
      [403, false, "AKIDUNKNOWN"],
    ]);
  });

  test("session credentials: the issued token works; a wrong or missing token is refused", async () => {
    const ok = await bedrock({ credentials: fake.issued.ecs }).send(new ConverseCommand({ modelId: "m", messages: msg("x") }));
    expect(ok.stopReason).toBe("end_turn");
    expect((await converseError(bedrock({ credentials: { ...fake.issued.ecs, sessionToken: "wrong" } }), "m")).name).toBe("UnrecognizedClientException");
    const { sessionToken: _, ...noToken } = fake.issued.ecs;
    expect((await converseError(bedrock({ credentials: noToken }), "m")).name).toBe("UnrecognizedClientException");
    fake.addCredential({ accessKeyId: "ASIAADDEDBYTEST00001", secretAccessKey: "s", sessionToken: "t" });
    expect((await stream(bedrock({ credentials: { accessKeyId: "ASIAADDEDBYTEST00001", secretAccessKey: "s", sessionToken: "t" } }), "m")).answer).toBe("Echo: hi there");
    expect(fake.requests.map((q) => q.status)).toEqual([200, 403, 403, 200]);
  });

  test("a body changed after signing fails the x-amz-content-sha256 check", async () => {
    const client = bedrock();
    client.middlewareStack.add(
      (next) => async (args: any) => {
        const body = args.request.body;
        args.request.body = (typeof body === "string" ? body : new TextDecoder().decode(body)).replace("hello", "jello");
        return next(args);
      },
      { step: "deserialize", name: "tamperAfterSigning" },
    );
    const err = await client.send(new ConverseCommand({ modelId: "m", messages: msg("hello") })).catch((e) => e);
    expect(err.name).toBe("InvalidSignatureException");
    expect(fake.requests[0]).toMatchObject({ verified: false, body: { messages: msg("jello") } });
  });

  test("a client clock 10 minutes slow is refused as expired, then corrected from the fake's Date header", async () => {
    const client = bedrock();
    client.config.systemClockOffset = -10 * 60_000;
    const c = await client.send(new ConverseCommand({ modelId: "m", messages: msg("x") }));
    expect(c.stopReason).toBe("end_turn");
    expect(fake.requests.map((q) => q.status)).toEqual([403, 200]);
  });

  test("no Authorization header → MissingAuthenticationTokenException", async () => {
    const r = await fetch(`${fake.url}/model/m/converse`, { method: "POST", body: "{}" });
    expect(r.status).toBe(403);
    expect(r.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(r.headers.get("x-amzn-requestid")).toBeTruthy();
    expect(await r.json()).toEqual({ message: "Missing Authentication Token" });
    expect(fake.requests[0]).toMatchObject({ auth: "none", verified: false, status: 403, httpVersion: "1.1" });
  });

  test("bearer tokens (Bedrock API keys): from client config and from AWS_BEARER_TOKEN_BEDROCK", async () => {
    fake.addBearerToken("fake-bedrock-api-key-1234");
    const viaConfig = new BedrockRuntimeClient({ region: "us-east-1", endpoint: fake.url, token: { token: "fake-bedrock-api-key-1234" }, authSchemePreference: ["httpBearerAuth"] });
    expect((await stream(viaConfig, "m")).answer).toBe("Echo: hi there");
    process.env.AWS_BEARER_TOKEN_BEDROCK = "fake-bedrock-api-key-1234";
    expect((await stream(new BedrockRuntimeClient({ region: "us-east-1", endpoint: fake.url }), "m")).answer).toBe("Echo: hi there");
    process.env.AWS_BEARER_TOKEN_BEDROCK = "not-a-known-key";
    const err = await converseError(new BedrockRuntimeClient({ region: "us-east-1", endpoint: fake.url }), "m");
    expect(err.name).toBe("UnrecognizedClientException");
    expect(fake.requests.map((q) => [q.auth, q.verified, q.status])).toEqual([
      ["bearer", true, 200],
      ["bearer", true, 200],
      ["bearer", false, 403],
    ]);
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer fake-bedrock-api-key-1234");
    expect(fake.requests[0]!.headers["x-amz-date"]).toBeUndefined();
  });
});

describe("failure injection", () => {
  test("throttle-once: the SDK retries and succeeds; reset() starts the count again", async () => {
    const r = await stream(bedrock(), "fake.throttle-once");
    expect(r.answer).toBe("Echo: hi there");
    expect(fake.requests.map((q) => q.status)).toEqual([429, 200]);
    expect(fake.requests[0]!.headers["amz-sdk-request"]).toBe("attempt=1; max=3");
    fake.reset();
    expect((await converseError(bedrock({ maxAttempts: 1 }), "fake.throttle-once")).name).toBe("ThrottlingException");
  });

  test("throttle-always and unavailable-always fail every attempt", async () => {
    for (let i = 0; i < 2; i++) expect((await converseError(bedrock({ maxAttempts: 1 }), "fake.throttle-always")).name).toBe("ThrottlingException");
    const unavailable = await converseError(bedrock(), "fake.unavailable-always");
    expect([unavailable.name, unavailable.$metadata.httpStatusCode, unavailable.$metadata.attempts]).toEqual(["ServiceUnavailableException", 503, 3]);
    expect(fake.requests.map((q) => q.status)).toEqual([429, 429, 503, 503, 503]);
  });

  test("throttle-10pct throttles some requests, not most", async () => {
    const client = bedrock({ maxAttempts: 1 });
    for (let i = 0; i < 100; i++) await converseError(client, "fake.throttle-10pct");
    const throttled = fake.requests.filter((q) => q.status === 429).length;
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThan(40);
  });

  test("access-denied, not-found and on-demand answer the modelled errors once", async () => {
    const denied = await converseError(bedrock(), "fake.access-denied");
    expect([denied.name, denied.message, denied.$metadata.httpStatusCode]).toEqual(["AccessDeniedException", "You don't have access to the model with the specified model ID.", 403]);
    const missing = await converseError(bedrock(), "fake.not-found");
    expect([missing.name, missing.message, missing.$metadata.httpStatusCode]).toEqual(["ResourceNotFoundException", "Model not found", 404]);
    const onDemand = await stream(bedrock(), "anthropic.claude-3-5-sonnet-20241022-v2:0.on-demand");
    expect(onDemand.error.name).toBe("ValidationException");
    expect(onDemand.error.message).toStartWith("Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn");
    expect(onDemand.error.message).toEndWith("Retry your request with the ID or ARN of an inference profile that contains this model.");
    expect(fake.requests.map((q) => q.status)).toEqual([403, 404, 400]);
  });

  test("stream-error: partial text, then ModelStreamErrorException, not retried", async () => {
    const r = await stream(bedrock(), "fake.stream-error");
    expect(r.answer).toBe("partial answer ");
    expect([r.error.name, r.error.originalStatusCode, r.error.message]).toEqual(["ModelStreamErrorException", 500, "The model stream failed"]);
    expect(fake.requests).toHaveLength(1);
  });

  test("stream-throttle: one delta, then ThrottlingException inside the stream", async () => {
    const r = await stream(bedrock(), "fake.stream-throttle");
    expect(r.events).toEqual(["messageStart", "contentBlockDelta"]);
    expect(r.error.name).toBe("ThrottlingException");
    expect(fake.requests).toHaveLength(1);
  });

  test("error-frame: an unmodelled error frame becomes an Error named after its code", async () => {
    const r = await stream(bedrock(), "fake.error-frame");
    expect(r.events).toEqual(["messageStart", "contentBlockDelta"]);
    expect([r.error.name, r.error.message]).toEqual(["InternalFailure", "The fake failed inside the stream"]);
  });

  test("truncated ends cleanly without messageStop/metadata; torn breaks a frame", async () => {
    const t = await stream(bedrock(), "fake.truncated");
    expect(t.error).toBeUndefined();
    expect(t.answer).toBe("Echo: hi there");
    expect(t.events).not.toContain("messageStop");
    expect(t.events).not.toContain("metadata");
    const torn = await stream(bedrock(), "fake.torn");
    expect(torn.events).toEqual(["messageStart", "contentBlockDelta"]);
    expect(torn.error.message).toContain("Truncated event message received");
  });

  test("unknown-event is skipped by the SDK and the answer is complete", async () => {
    const r = await stream(bedrock(), "fake.unknown-event");
    expect(r.error).toBeUndefined();
    expect(r.answer).toBe("Echo: hi there");
    expect(r.events.at(-1)).toBe("metadata");
  });

  test("delay-<N>ms and setDelayMs hold back the first event", async () => {
    let t0 = Date.now();
    expect((await stream(bedrock(), "fake.delay-150ms")).answer).toBe("Echo: hi there");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    fake.setDelayMs(120);
    try {
      t0 = Date.now();
      await bedrock().send(new ConverseCommand({ modelId: "m", messages: msg("x") }));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    } finally {
      fake.setDelayMs(0);
    }
  });

  test("stall-first and stall-mid keep silent until the client gives up", async () => {
    const first = await stream(bedrock({ requestTimeout: 300, maxAttempts: 1 }), "fake.stall-first");
    expect(first.events).toEqual([]);
    expect(first.error.name).toBe("TimeoutError");
    expect(fake.requests[0]).toMatchObject({ modelId: "fake.stall-first", status: 0 });
    const mid = await stream(bedrock({ requestTimeout: 300 }), "fake.stall-mid");
    expect(mid.events).toEqual(["messageStart", "contentBlockDelta"]);
    expect(mid.error).toBeDefined();
    const h1 = await stream(bedrock({ http1: true, requestTimeout: 300, maxAttempts: 1 }), "fake.stall-first");
    expect(h1.error.name).toBe("TimeoutError");
  });

  test("close() ends promptly while clients wait on stalled streams", async () => {
    const own = await startFakeAws();
    const waiting = [
      stream(bedrock({ target: own, maxAttempts: 1 }), "fake.stall-first"),
      stream(bedrock({ target: own, maxAttempts: 1 }), "fake.stall-mid"),
      stream(bedrock({ target: own, maxAttempts: 1, http1: true }), "fake.stall-first"),
    ];
    const deadline = Date.now() + 5000;
    while (own.requests.length < 3 && Date.now() < deadline) await Bun.sleep(10);
    expect(own.requests).toHaveLength(3);
    const t0 = Date.now();
    await own.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    // how a client reports a connection closed under it is the client's business (an error, or a silent end)
    for (const r of await Promise.all(waiting)) expect(r.error !== undefined || !r.events.includes("metadata")).toBe(true);
  });
});

describe("credential services", () => {
  const sts = (credentials: FakeCredential = DEFAULT_CREDENTIAL) => new STSClient({ region: "us-east-1", endpoint: fake.url, credentials });

  test("STS GetCallerIdentity for static and issued keys, and its auth errors", async () => {
    expect(await sts().send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: "123456789012",
      Arn: "arn:aws:iam::123456789012:user/AKIDFAKEEXAMPLE0001",
      UserId: "AKIDFAKEEXAMPLE0001",
    });
    expect((await sts(fake.issued.imds).send(new GetCallerIdentityCommand({}))).Arn).toStartWith("arn:aws:sts::123456789012:assumed-role/fake-role/");
    expect(fake.requests[0]).toMatchObject({ service: "sts", operation: "GetCallerIdentity", signingService: "sts", verified: true, httpVersion: "1.1", body: { Action: "GetCallerIdentity", Version: "2011-06-15" } });
    const unknown = await sts({ accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" }).send(new GetCallerIdentityCommand({})).catch((e) => e);
    expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual(["InvalidClientTokenId", 403]);
    const wrong = await sts({ ...DEFAULT_CREDENTIAL, secretAccessKey: "nope" }).send(new GetCallerIdentityCommand({})).catch((e) => e);
    expect(wrong.name).toBe("SignatureDoesNotMatch");
  });

  test("STS AssumeRole hands out issued.assumeRole, valid for an hour and accepted by Bedrock", async () => {
    const r = await sts().send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/fake", RoleSessionName: "test-session" }));
    expect(r.Credentials).toMatchObject({ AccessKeyId: fake.issued.assumeRole.accessKeyId, SessionToken: fake.issued.assumeRole.sessionToken });
    expect(r.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(55 * 60_000);
    expect(r.AssumedRoleUser!.Arn).toBe("arn:aws:sts::123456789012:assumed-role/fake-role/test-session");
    expect(fake.requests[0]!.body).toMatchObject({ Action: "AssumeRole", RoleSessionName: "test-session" });
    expect((await stream(bedrock({ credentials: fake.issued.assumeRole }), "m")).answer).toBe("Echo: hi there");
  });

  test("AssumeRoleWithWebIdentity: fromTokenFile works unsigned; bad-token is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fake-webid-"));
    try {
      writeFileSync(join(dir, "token"), "a-web-identity-token");
      const creds = await fromTokenFile({ webIdentityTokenFile: join(dir, "token"), roleArn: "arn:aws:iam::123456789012:role/r", roleSessionName: "s1", clientConfig: { endpoint: fake.url, region: "us-east-1" } })();
      expect(creds).toMatchObject({ accessKeyId: fake.issued.webIdentity.accessKeyId, sessionToken: fake.issued.webIdentity.sessionToken });
      expect(fake.requests[0]).toMatchObject({ operation: "AssumeRoleWithWebIdentity", auth: "none", verified: true, body: { WebIdentityToken: "a-web-identity-token", RoleSessionName: "s1" } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = await fromWebToken({ webIdentityToken: "bad-token", roleArn: "arn:aws:iam::123456789012:role/r", clientConfig: { endpoint: fake.url, region: "us-east-1" } })().catch((e) => e);
    // the fake answers Code InvalidIdentityToken, as STS does; the SDK names the modelled error with the suffix
    expect(bad.name).toBe("InvalidIdentityTokenException");
  });

  test("SSO portal: fromSSO with a cached token gets issued.sso; a wrong token → 401 UnauthorizedException", async () => {
    const home = mkdtempSync(join(tmpdir(), "fake-sso-home-"));
    try {
      process.env.HOME = home;
      const startUrl = "https://fake.awsapps.com/start";
      mkdirSync(join(home, ".aws/sso/cache"), { recursive: true });
      const cacheFile = join(home, ".aws/sso/cache", `${createHash("sha1").update(startUrl).digest("hex")}.json`);
      writeFileSync(cacheFile, JSON.stringify({ accessToken: fake.ssoAccessToken, expiresAt: new Date(Date.now() + 3600_000).toISOString() }));
      const creds = await fromSSO({ ssoStartUrl: startUrl, ssoAccountId: "123456789012", ssoRegion: "us-east-1", ssoRoleName: "r", clientConfig: { endpoint: fake.url } })();
      expect(creds).toMatchObject({ accessKeyId: fake.issued.sso.accessKeyId, sessionToken: fake.issued.sso.sessionToken });
      expect(fake.requests[0]).toMatchObject({ service: "sso", operation: "GetRoleCredentials", verified: true, body: { account_id: "123456789012", role_name: "r" } });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const r = await fetch(`${fake.url}/federation/credentials?account_id=1&role_name=r`, { headers: { "x-amz-sso_bearer_token": "stale" } });
    expect([r.status, r.headers.get("x-amzn-errortype")]).toEqual([401, "UnauthorizedException"]);
  });

  test("ECS container credentials check the authorization token", async () => {
    const creds = await fromHttp({ awsContainerCredentialsFullUri: `${fake.url}/ecs/credentials`, awsContainerAuthorizationToken: fake.ecsAuthToken })();
    expect(creds).toMatchObject({ accessKeyId: fake.issued.ecs.accessKeyId, sessionToken: fake.issued.ecs.sessionToken });
    expect(creds.expiration!.getTime() - Date.now()).toBeGreaterThan(55 * 60_000);
    // the SDK spends ~3 s retrying a refused token, so the refusal is checked on the wire
    const r = await fetch(`${fake.url}/ecs/credentials`, { headers: { authorization: "wrong" } });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ Code: "Unauthorized" });
    expect(fake.requests.map((q) => [q.service, q.verified])).toEqual([
      ["ecs", true],
      ["ecs", false],
    ]);
  });

  test("IMDSv2: fromInstanceMetadata through AWS_EC2_METADATA_SERVICE_ENDPOINT, and the region", async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = fake.url;
    const creds = await fromInstanceMetadata({ maxRetries: 0, timeout: 2000 })();
    expect(creds).toMatchObject({ accessKeyId: fake.issued.imds.accessKeyId, sessionToken: fake.issued.imds.sessionToken });
    expect(fake.requests.map((q) => [q.operation, q.verified, q.status])).toEqual([
      ["ImdsToken", true, 200],
      ["ImdsRoleName", true, 200],
      ["ImdsCredentials", true, 200],
    ]);
    const token = await (await fetch(`${fake.url}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).text();
    expect(await (await fetch(`${fake.url}/latest/meta-data/placement/region`, { headers: { "x-aws-ec2-metadata-token": token } })).text()).toBe("us-east-1");
    expect((await fetch(`${fake.url}/latest/meta-data/iam/security-credentials/`)).status).toBe(401);
    expect((await fetch(`${fake.url}/latest/api/token`, { method: "PUT" })).status).toBe(400);
  });
});

describe("transport", () => {
  test("an HTTP/1.1 request that starts like the h2 preface ('P', then the rest later) is still HTTP/1.1", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(fake.port, "127.0.0.1", () => {
        s.write("P");
        setTimeout(() => s.write("UT /latest/api/token HTTP/1.1\r\nhost: x\r\nx-aws-ec2-metadata-token-ttl-seconds: 60\r\nconnection: close\r\n\r\n"), 50);
      });
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("end", () => resolve(got));
      s.on("error", reject);
    });
    expect(answer).toStartWith("HTTP/1.1 200");
    expect(answer).toContain("fake-imds-token-");
  });

  test("standalone: prints one JSON line, serves, and exits on SIGTERM", async () => {
    const p = Bun.spawn([process.execPath, join(import.meta.dir, "fake-aws.ts"), "--delay-ms", "0"], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = p.stdout.getReader();
      let out = "";
      while (!out.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      const line = JSON.parse(out.split("\n")[0]!) as { url: string; port: number };
      expect(line.url).toBe(`http://127.0.0.1:${line.port}`);
      const own = bedrock({ target: { url: line.url } as FakeAws });
      expect((await stream(own, "anthropic.claude-3-haiku-20240307-v1:0")).answer).toBe("Echo: hi there");
      own.destroy();
      p.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    } finally {
      p.kill("SIGKILL");
    }
  });
});
