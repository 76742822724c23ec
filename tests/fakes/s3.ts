// A real S3-compatible server on loopback for the batch tests and the bench: s3rver (the npm package), in a temporary
// directory, with the fake's access keys registered (s3rver knows the key ids; it does not verify SigV4 signatures).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CREDENTIAL } from "./fake-aws.ts";

export interface FakeS3 {
  url: string;
  dir: string;
  close(): Promise<void>;
}

export async function startS3(o: { buckets: string[] }): Promise<FakeS3> {
  const [{ default: S3rver }, { DUMMY_ACCOUNT }] = await Promise.all([import("s3rver"), import("s3rver/lib/models/account.js")]);
  DUMMY_ACCOUNT.createKeyPair(DEFAULT_CREDENTIAL.accessKeyId, DEFAULT_CREDENTIAL.secretAccessKey);
  const dir = mkdtempSync(join(tmpdir(), "redux-s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: o.buckets.map((name) => ({ name })) });
  const addr = await server.run();
  return {
    url: `http://127.0.0.1:${addr.port}`,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (import.meta.main) {
  const s3 = await startS3({ buckets: (process.argv[2] ?? "redux-batch").split(",") });
  process.stdout.write(`${JSON.stringify({ url: s3.url })}\n`);
  const stop = () => void s3.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
