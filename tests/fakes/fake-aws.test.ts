// The fake itself, proven with the real SDK (no mocks): if these fail, every end-to-end test is suspect.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromHttp, fromTokenFile } from "@aws-sdk/credential-providers";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CREDENTIAL, startFakeAws, type FakeAws } from "./fake-aws.ts";

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
});
afterAll(() => fake.close());

const bedrock = (o: { credentials?: typeof DEFAULT_CREDENTIAL; http1?: boolean } = {}) =>
  new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: fake.url,
    credentials: o.credentials ?? DEFAULT_CREDENTIAL,
    ...(o.http1 ? { requestHandler: new NodeHttpHandler() } : {}),
  });
const msg = (text: string) => [{ role: "user" as const, content: [{ text }] }];

async function streamText(client: BedrockRuntimeClient, modelId: string) {
  const res = await client.send(new ConverseStreamCommand({ modelId, messages: msg("hi there") }));
  const events: string[] = [];
  let text = "";
  for await (const ev of res.stream!) {
    events.push(Object.keys(ev)[0]!);
    text += ev.contentBlockDelta?.delta?.text ?? "";
  }
  return { text, events };
}

describe("Bedrock", () => {
  test("ConverseStream over h2c and HTTP/1.1, Converse, with decoded model ids", async () => {
    for (const http1 of [false, true]) {
      fake.reset();
      const r = await streamText(bedrock({ http1 }), "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x-v2:0");
      expect(r.text).toBe("Echo: hi there");
      expect(r.events.at(-2)).toBe("messageStop");
      expect(r.events.at(-1)).toBe("metadata");
      expect(fake.requests[0]).toMatchObject({ verified: true, httpVersion: http1 ? "1.1" : "2.0", modelId: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x-v2:0" });
    }
    const c = await bedrock().send(new ConverseCommand({ modelId: "m:0", messages: msg("a b"), inferenceConfig: { maxTokens: 2 } }));
    expect(c.output?.message?.content?.[0]?.text).toBe("Echo: a");
    expect(c.stopReason).toBe("max_tokens");
  });

  test("a wrong secret, an unknown key and a wrong session token are refused", async () => {
    const cases: [typeof DEFAULT_CREDENTIAL, string][] = [
      [{ ...DEFAULT_CREDENTIAL, secretAccessKey: "nope" }, "InvalidSignatureException"],
      [{ accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" }, "UnrecognizedClientException"],
      [{ ...fake.issued.ecs, sessionToken: "wrong" }, "UnrecognizedClientException"],
    ];
    for (const [credentials, name] of cases) {
      const err = await bedrock({ credentials }).send(new ConverseCommand({ modelId: "m", messages: msg("x") })).catch((e) => e);
      expect(err.name).toBe(name);
    }
    const ok = await bedrock({ credentials: fake.issued.ecs }).send(new ConverseCommand({ modelId: "m", messages: msg("x") }));
    expect(ok.stopReason).toBe("end_turn");
  });

  test("bearer tokens (Bedrock API keys)", async () => {
    fake.addBearerToken("fake-bedrock-api-key-1234");
    const client = new BedrockRuntimeClient({ region: "us-east-1", endpoint: fake.url, token: { token: "fake-bedrock-api-key-1234" }, authSchemePreference: ["httpBearerAuth"] });
    fake.reset();
    const r = await streamText(client, "m");
    expect(r.text).toBe("Echo: hi there");
    expect(fake.requests[0]).toMatchObject({ auth: "bearer", verified: true });
  });

  test("failure injection", async () => {
    fake.reset();
    expect((await streamText(bedrock(), "x.throttle-once")).text).toBe("Echo: hi there");
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect((await bedrock().send(new ConverseCommand({ modelId: "x.access-denied", messages: msg("x") })).catch((e) => e)).name).toBe("AccessDeniedException");
    const partial: string[] = [];
    const err = await (async () => {
      const res = await bedrock().send(new ConverseStreamCommand({ modelId: "x.stream-error", messages: msg("x") }));
      for await (const ev of res.stream!) partial.push(ev.contentBlockDelta?.delta?.text ?? "");
    })().catch((e) => e);
    expect(err.name).toBe("ModelStreamErrorException");
    expect(partial.join("")).toBe("partial answer ");
    const t = await streamText(bedrock(), "x.truncated");
    expect(t.events).not.toContain("messageStop");
    expect((await streamText(bedrock(), "x.unknown-event")).text).toBe("Echo: hi there");
  });
});

describe("credential services", () => {
  test("STS GetCallerIdentity and AssumeRoleWithWebIdentity", async () => {
    const sts = new STSClient({ region: "us-east-1", endpoint: fake.url, credentials: DEFAULT_CREDENTIAL });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/AKIDFAKEEXAMPLE0001" });
    const dir = mkdtempSync(join(tmpdir(), "fake-webid-"));
    try {
      writeFileSync(join(dir, "token"), "a-web-identity-token");
      const creds = await fromTokenFile({ webIdentityTokenFile: join(dir, "token"), roleArn: "arn:aws:iam::123456789012:role/r", clientConfig: { endpoint: fake.url, region: "us-east-1" } })();
      expect(creds.accessKeyId).toBe(fake.issued.webIdentity.accessKeyId);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("ECS container credentials check the authorization token", async () => {
    const creds = await fromHttp({ awsContainerCredentialsFullUri: `${fake.url}/ecs/credentials`, awsContainerAuthorizationToken: fake.ecsAuthToken })();
    expect(creds).toMatchObject({ accessKeyId: fake.issued.ecs.accessKeyId, sessionToken: fake.issued.ecs.sessionToken });
  });

  test("IMDSv2 and the SSO portal answer over plain HTTP", async () => {
    const token = await (await fetch(`${fake.url}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).text();
    const role = await (await fetch(`${fake.url}/latest/meta-data/iam/security-credentials/`, { headers: { "x-aws-ec2-metadata-token": token } })).text();
    expect(role).toBe("fake-instance-role");
    expect((await fetch(`${fake.url}/latest/meta-data/iam/security-credentials/`)).status).toBe(401);
    const sso = await fetch(`${fake.url}/federation/credentials?account_id=123456789012&role_name=r`, { headers: { "x-amz-sso_bearer_token": fake.ssoAccessToken } });
    expect(((await sso.json()) as { roleCredentials: { accessKeyId: string } }).roleCredentials.accessKeyId).toBe(fake.issued.sso.accessKeyId);
  });
});
