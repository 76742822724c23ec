// S3 for batch jobs: s3:// locations (s3-location.ts, re-exported), and a lazily built client that follows the SDK's own
// endpoint settings (AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the config file's) with path-style addressing
// when one is set, as S3-compatible servers need. Uploads stream through @aws-sdk/lib-storage (multipart past 8 MiB); downloads stream.
import type { S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { credentialProvider, sdkLogger, type DebugLog } from "./credentials.ts";
import { requestHandlerFor, sdkConfiguredEndpoint, serviceUrl } from "./http.ts";
import { ExitCode, ReduxError } from "../errors.ts";
export { parseS3Uri, s3Uri, type S3Location } from "./s3-location.ts";

interface S3ClientOptions {
  region: string;
  profile?: string;
  timeoutMs: number;
  debug?: DebugLog;
}

export async function createS3Client(o: S3ClientOptions): Promise<S3Client> {
  const [{ S3Client }, endpoint] = await Promise.all([import("@aws-sdk/client-s3"), sdkConfiguredEndpoint("S3")]);
  // a Bedrock API key cannot sign S3 requests: then the SDK's own default chain is used
  const credentials = await credentialProvider({ profile: o.profile, region: o.region, timeoutMs: o.timeoutMs, debug: o.debug });
  return new S3Client({
    region: o.region,
    ...(o.profile ? { profile: o.profile } : {}),
    ...(endpoint ? { forcePathStyle: true } : {}),
    logger: sdkLogger(o.debug),
    ...(credentials ? { credentials } : {}),
    requestHandler: await requestHandlerFor(endpoint ?? serviceUrl("S3", o.region, undefined, {}), { timeoutMs: o.timeoutMs, http2: false, maxSockets: 8, profile: o.profile }),
  });
}

/** Uploads a stream to one object: a single PUT when small, multipart (8 MiB parts, 4 at a time) when large. */
export async function uploadStream(client: S3Client, bucket: string, key: string, body: Readable, contentType = "application/jsonl"): Promise<void> {
  const { Upload } = await import("@aws-sdk/lib-storage");
  const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType }, partSize: 8 * 1024 * 1024, queueSize: 4, leavePartsOnError: false });
  await upload.done();
}

/** Keys under a prefix (all pages). */
export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** An object's body as a stream (never held whole). */
export async function getStream(client: S3Client, bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!got.Body) throw new ReduxError(ExitCode.unavailable, `s3://${bucket}/${key} has no body`);
  return got.Body as unknown as AsyncIterable<Uint8Array>;
}

/** Splits a byte stream into lines (the last line may lack its newline). */
export async function* lines(stream: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let carry = "";
  for await (const chunk of stream) {
    carry += decoder.decode(chunk, { stream: true });
    let nl: number;
    let start = 0;
    while ((nl = carry.indexOf("\n", start)) !== -1) {
      yield carry.slice(start, nl);
      start = nl + 1;
    }
    carry = carry.slice(start);
  }
  carry += decoder.decode();
  if (carry) yield carry;
}
