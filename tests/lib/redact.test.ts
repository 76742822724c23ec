import { expect, test } from "bun:test";
import { maskKeyId, redactAuthorization, redactHeaders, redactText } from "../../lib/redact.ts";

test("access key ids show their first and last 4 characters", () => {
  expect(maskKeyId("AKIAIOSFODNN7EXAMPLE")).toBe("AKIA…MPLE");
  expect(maskKeyId("short")).toBe("****");
});

test("signatures, session tokens and bearer tokens never survive", () => {
  const sig = "a".repeat(64);
  const auth = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig}`;
  expect(redactAuthorization(auth)).toBe("AWS4-HMAC-SHA256 Credential=AKIA…MPLE/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=<redacted>");
  const h = redactHeaders({ authorization: "Bearer abcdefghijklmnop", "x-amz-security-token": "tok", "content-type": "application/json" });
  expect(h).toEqual({ authorization: "Bearer <redacted>", "x-amz-security-token": "<redacted>", "content-type": "application/json" });
  expect(redactText(`x Signature=${sig} Bearer abcdefghijkl secret-value-123`, ["secret-value-123"])).toBe("x Signature=<redacted> Bearer <redacted> <redacted>");
});
