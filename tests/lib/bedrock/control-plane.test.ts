import { afterEach, expect, test } from "bun:test";
import http from "node:http";
import { createControlPlaneClient } from "../../../lib/bedrock/control-plane.ts";

let server: http.Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
  for (const k of ["AWS_ENDPOINT_URL_BEDROCK", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) delete process.env[k];
});

test("the control-plane client goes where AWS_ENDPOINT_URL_BEDROCK points, over HTTP/1.1, signed for bedrock", async () => {
  const seen: { method?: string; url?: string; authorization?: string; version?: string }[] = [];
  server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, version: req.httpVersion });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ jobArn: "arn:aws:bedrock:eu-west-1:123456789012:model-invocation-job/abc123", status: "InProgress", modelId: "m", roleArn: "r", submitTime: "2026-11-30T00:00:00Z", totalRecordCount: 200 }));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  process.env.AWS_ENDPOINT_URL_BEDROCK = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  process.env.AWS_ACCESS_KEY_ID = "AKIDFAKEEXAMPLE0001";
  process.env.AWS_SECRET_ACCESS_KEY = "fake-secret-0001";
  const client = await createControlPlaneClient({ region: "eu-west-1", timeoutMs: 5000 });
  const { GetModelInvocationJobCommand } = await import("@aws-sdk/client-bedrock");
  const job = await client.send(new GetModelInvocationJobCommand({ jobIdentifier: "abc123" }));
  expect(job.status).toBe("InProgress");
  expect(job.totalRecordCount).toBe(200);
  expect(seen).toHaveLength(1);
  expect(seen[0]!.method).toBe("GET");
  expect(seen[0]!.url).toBe("/model-invocation-job/abc123");
  expect(seen[0]!.version).toBe("1.1");
  expect(seen[0]!.authorization).toMatch(/Credential=AKIDFAKEEXAMPLE0001\/\d{8}\/eu-west-1\/bedrock\/aws4_request/);
  client.destroy();
});
