// s3:// locations: parsed and validated (bucket naming rules, no odd characters in the prefix). No SDK here.
import { usageError } from "../errors.ts";

export interface S3Location {
  bucket: string;
  /** The key prefix, without leading slash; empty or ending in `/`. */
  prefix: string;
}

const BUCKET = /^(?!xn--|sthree-|\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://BUCKET/PREFIX` → {bucket, prefix/}; a bad bucket name or key is a usage error. */
export function parseS3Uri(uri: string, what = "--s3"): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) throw usageError(`${what} must be an s3://BUCKET/PREFIX location, got ${JSON.stringify(uri)}`, "e.g. --s3 s3://my-bucket/redux-batch");
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes("..")) throw usageError(`${what}: ${JSON.stringify(bucket)} is not a valid S3 bucket name`, "bucket names are 3-63 lowercase letters, digits, dots and hyphens");
  const raw = m[2] ?? "";
  if (/[\u0000-\u001f\u007f\\{}^%`\[\]"<>~#|]/.test(raw) || raw.split("/").some((s) => s === "." || s === "..") || raw.length > 512) {
    throw usageError(`${what}: the prefix ${JSON.stringify(raw)} has characters S3 keys should not have`, "use letters, digits and - _ . / in the prefix");
  }
  const prefix = raw.replace(/^\/+|\/+$/g, "");
  return { bucket, prefix: prefix ? `${prefix}/` : "" };
}

export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;
