// Server-side SigV4 verification, as AWS does it: rebuild the canonical request from what arrived (the raw,
// still-encoded path; `:authority` under HTTP/2 where HTTP/1.1 has `host`), sign it with the secret we know, compare.
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest } from "@smithy/protocol-http";
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from "node:crypto";

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

export function parseAuthorization(v: string): ParsedAuthorization | undefined {
  const m = AUTH_RE.exec(v);
  if (!m) return undefined;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(";"), signature: m[6]! };
}

const toBuf = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === "string" ? Buffer.from(d) : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

/** SHA-256 / HMAC-SHA256 from node:crypto in the shape the signer wants (native: the fake stays fast under load). */
class NodeSha256 {
  private h: Hash | Hmac;
  constructor(private secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac("sha256", toBuf(secret)) : createHash("sha256");
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(toBuf(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {
    this.h = this.secret ? createHmac("sha256", toBuf(this.secret)) : createHash("sha256");
  }
}

const parseAmzDate = (s: string) => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
};

export async function verifySigV4(o: {
  method: string;
  rawPath: string;
  headers: Record<string, string>;
  body: Buffer;
  parsed: ParsedAuthorization;
  secretAccessKey: string;
}): Promise<"ok" | "expired" | "mismatch"> {
  const amzDate = o.headers["x-amz-date"] ?? "";
  const when = parseAmzDate(amzDate);
  if (!when || !amzDate.startsWith(o.parsed.date)) return "mismatch";
  if (Math.abs(Date.now() - when.getTime()) > 5 * 60_000) return "expired";
  const [path, query = ""] = o.rawPath.split("?") as [string, string?];
  const headers: Record<string, string> = {};
  for (const name of o.parsed.signedHeaders) {
    const v = o.headers[name] ?? (name === "host" ? o.headers[":authority"] : undefined);
    if (v === undefined) return "mismatch";
    headers[name] = v;
  }
  const req = new HttpRequest({
    method: o.method,
    protocol: "http:",
    hostname: (headers.host ?? headers[":authority"] ?? "").split(":")[0]!,
    path,
    query: Object.fromEntries(new URLSearchParams(query)),
    headers,
    body: o.body,
  });
  const signer = new SignatureV4({
    service: o.parsed.service,
    region: o.parsed.region,
    credentials: { accessKeyId: o.parsed.accessKeyId, secretAccessKey: o.secretAccessKey, sessionToken: o.headers["x-amz-security-token"] },
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(req, { signingDate: when, signingRegion: o.parsed.region, signingService: o.parsed.service });
  const got = parseAuthorization(String(signed.headers.authorization ?? signed.headers.Authorization ?? ""));
  if (!got || got.signedHeaders.join(";") !== o.parsed.signedHeaders.join(";")) return "mismatch";
  const a = Buffer.from(got.signature);
  const b = Buffer.from(o.parsed.signature);
  return a.length === b.length && timingSafeEqual(a, b) ? "ok" : "mismatch";
}
