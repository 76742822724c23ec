import { afterAll, beforeAll, expect, test } from "bun:test";
import { Readable } from "node:stream";
import { createS3Client, getStream, lines, listKeys, parseS3Uri, uploadStream } from "../../../lib/aws/s3.ts";
import { DEFAULT_CREDENTIAL } from "../../fakes/fake-aws.ts";
import { startS3, type FakeS3 } from "../../fakes/s3.ts";

let s3: FakeS3;
beforeAll(async () => {
  s3 = await startS3({ buckets: ["redux-test"] });
  process.env.AWS_ENDPOINT_URL_S3 = s3.url;
  process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIAL.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIAL.secretAccessKey;
});
afterAll(async () => {
  for (const k of ["AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) delete process.env[k];
  await s3.close();
});

test("s3:// locations: bucket rules, prefix normalised, odd characters refused", () => {
  expect(parseS3Uri("s3://my-bucket/a/b/")).toEqual({ bucket: "my-bucket", prefix: "a/b/" });
  expect(parseS3Uri("s3://my-bucket")).toEqual({ bucket: "my-bucket", prefix: "" });
  expect(parseS3Uri("s3://my.bucket.1//x")).toEqual({ bucket: "my.bucket.1", prefix: "x/" });
  for (const bad of ["my-bucket/x", "s3://", "s3://My_Bucket/x", "s3://ab/x", "s3://192.168.1.1/x", "s3://b-ok/../x", "s3://b-ok/a\u0000b", "https://b-ok/x"]) {
    expect(() => parseS3Uri(bad)).toThrow(/--s3/);
  }
});

test("a large stream goes up as a multipart upload (path-style, to AWS_ENDPOINT_URL_S3) and comes back line by line", async () => {
  const client = await createS3Client({ region: "us-east-1", timeoutMs: 30_000 });
  const commands: string[] = [];
  const hosts = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? "?");
      const req = args.request as { hostname?: string; path?: string };
      hosts.add(`${req.hostname} ${req.path?.split("/")[1]}`);
      return next(args);
    },
    { step: "finalizeRequest", name: "recordCommands" },
  );
  const n = 200_000;
  const line = (i: number) => `${JSON.stringify({ recordId: `R${i}`, pad: "x".repeat(80) })}\n`;
  await uploadStream(client, "redux-test", "big/records.jsonl", Readable.from((function* () { for (let i = 0; i < n; i++) yield line(i); })()));
  expect(commands).toContain("CreateMultipartUploadCommand");
  expect(commands.filter((c) => c === "UploadPartCommand").length).toBeGreaterThanOrEqual(2);
  expect(commands).toContain("CompleteMultipartUploadCommand");
  // path-style: the bucket is the first path segment on the endpoint's own host
  expect([...hosts]).toEqual(["127.0.0.1 redux-test"]);
  expect(await listKeys(client, "redux-test", "big/")).toEqual(["big/records.jsonl"]);
  let count = 0;
  let last = "";
  for await (const l of lines(await getStream(client, "redux-test", "big/records.jsonl"))) {
    count++;
    last = l;
  }
  expect(count).toBe(n);
  expect(JSON.parse(last).recordId).toBe(`R${n - 1}`);
  client.destroy();
});

test("an endpoint from the config file ([services] s3 endpoint_url) also gets path-style addressing", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "redux-s3-config-"));
  const saved = process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.AWS_ENDPOINT_URL_S3;
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  writeFileSync(process.env.AWS_CONFIG_FILE, "[default]\nservices = local\n\n[services local]\ns3 =\n  endpoint_url = http://localhost:9\n");
  try {
    const client = await createS3Client({ region: "us-east-1", timeoutMs: 5000 });
    const seen: string[] = [];
    client.middlewareStack.add(
      () => async (args) => {
        const req = args.request as { hostname?: string; port?: number; path?: string };
        seen.push(`${req.hostname}:${req.port}${req.path}`);
        throw new Error("stop here");
      },
      { step: "finalizeRequest", name: "stopBeforeSending" },
    );
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    await expect(client.send(new PutObjectCommand({ Bucket: "redux-test", Key: "k.jsonl", Body: "x" }))).rejects.toThrow("stop here");
    expect(seen).toEqual(["localhost:9/redux-test/k.jsonl"]);
    client.destroy();
  } finally {
    process.env.AWS_ENDPOINT_URL_S3 = saved;
    delete process.env.AWS_CONFIG_FILE;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("S3 behind TLS trusts the ca_bundle of the client's profile (as it trusts AWS_CA_BUNDLE); another profile's is not used", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { startTlsFront } = await import("../../fakes/tls-front.ts");
  const tls = await startTlsFront(s3.url);
  const dir = mkdtempSync(join(tmpdir(), "redux-s3-ca-"));
  const saved = process.env.AWS_ENDPOINT_URL_S3;
  process.env.AWS_ENDPOINT_URL_S3 = tls.url;
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  const keys = `aws_access_key_id = ${DEFAULT_CREDENTIAL.accessKeyId}\naws_secret_access_key = ${DEFAULT_CREDENTIAL.secretAccessKey}\n`;
  writeFileSync(process.env.AWS_CONFIG_FILE, `[profile s3ca]\n${keys}ca_bundle = ${tls.caPath}\n\n[profile s3plain]\n${keys}`);
  try {
    const trusted = await createS3Client({ region: "us-east-1", profile: "s3ca", timeoutMs: 5000 });
    await uploadStream(trusted, "redux-test", "tls/one.jsonl", Readable.from(["{}\n"]));
    expect(await listKeys(trusted, "redux-test", "tls/")).toEqual(["tls/one.jsonl"]);
    trusted.destroy();
    const plain = await createS3Client({ region: "us-east-1", profile: "s3plain", timeoutMs: 5000 });
    const err = await listKeys(plain, "redux-test", "tls/").catch((e) => e);
    expect(String(err?.code ?? err?.message)).toMatch(/SELF_SIGNED|CERT|certificate/i);
    plain.destroy();
  } finally {
    process.env.AWS_ENDPOINT_URL_S3 = saved;
    delete process.env.AWS_CONFIG_FILE;
    rmSync(dir, { recursive: true, force: true });
    await tls.close();
  }
});
