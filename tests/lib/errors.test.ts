import { describe, expect, test } from "bun:test";
import { translateAwsError, untrustedCertificate, ExitCode, inferenceProfilePrefix } from "../../lib/errors.ts";

const named = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name, ...extra });

describe("translateAwsError", () => {
  test("maps AWS error names to exit codes with hints", () => {
    const ctx = { region: "us-east-1", modelId: "anthropic.claude-3-5-sonnet-20241022-v2:0" };
    const cases: [string, string, number, RegExp][] = [
      ["CredentialsProviderError", "Could not load credentials from any providers", ExitCode.credentials, /AWS_ACCESS_KEY_ID/],
      ["UnrecognizedClientException", "The security token included in the request is invalid.", ExitCode.credentials, /access key/],
      ["InvalidSignatureException", "The request signature we calculated does not match", ExitCode.credentials, /secret/],
      ["ExpiredTokenException", "The security token included in the request is expired", ExitCode.credentials, /refresh/],
      ["AccessDeniedException", "You don't have access to the model", ExitCode.access, /bedrock:InvokeModelWithResponseStream/],
      ["ResourceNotFoundException", "Model not found", ExitCode.access, /model id/],
      ["ThrottlingException", "Too many requests", ExitCode.unavailable, /quota/],
      ["ServiceUnavailableException", "down", ExitCode.unavailable, /retry/],
      ["ModelStreamErrorException", "stream failed", ExitCode.rejected, /retry/],
      ["ValidationException", "bad maxTokens", ExitCode.rejected, /max-tokens/],
      ["TimeoutError", "Stream timed out because of no activity", ExitCode.unavailable, /--timeout/],
    ];
    for (const [name, msg, code, hint] of cases) {
      const e = translateAwsError(named(name, msg), ctx);
      expect({ name, code: e.code }).toEqual({ name, code });
      expect(e.hint ?? "").toMatch(hint);
    }
  });

  test("on-demand throughput names the inference profile id to use", () => {
    const e = translateAwsError(
      named("ValidationException", "Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn't supported."),
      { region: "eu-west-1", modelId: "anthropic.claude-3-5-sonnet-20241022-v2:0" },
    );
    expect(e.code).toBe(ExitCode.rejected);
    expect(e.hint).toBe("use the inference profile id instead: custom:eu-west-1:eu.anthropic.claude-3-5-sonnet-20241022-v2:0");
  });

  test("connection failures are 'unavailable'", () => {
    expect(translateAwsError(named("Error", "connect ECONNREFUSED 127.0.0.1:9", { code: "ECONNREFUSED" })).code).toBe(ExitCode.unavailable);
  });

  test("a connection that could not be made names the address and the cause, not the HTTP/2 client's wrapper", () => {
    const ctx = { region: "us-east-1" };
    // Bun's HTTP/2 client: the system error only in the text
    const h2 = translateAwsError(named("Error", "The pending stream has been canceled (caused by: connect ECONNREFUSED 127.0.0.1:9)"), ctx);
    expect(h2.code).toBe(ExitCode.unavailable);
    expect(h2.message).toBe("cannot reach Bedrock in us-east-1: could not connect to 127.0.0.1:9: connection refused");
    expect(h2.hint).toContain("nothing is listening there");
    // the system error itself, or as the cause of another
    const sys = named("Error", "connect ECONNREFUSED ::1:8080", { code: "ECONNREFUSED", address: "::1", port: 8080 });
    expect(translateAwsError(sys, ctx).message).toBe("cannot reach Bedrock in us-east-1: could not connect to [::1]:8080: connection refused");
    expect(translateAwsError(named("Error", "request failed", { cause: sys }), ctx).message).toEndWith("could not connect to [::1]:8080: connection refused");
    const dns = named("Error", "getaddrinfo ENOTFOUND bedrock.xx-east-1.amazonaws.com", { code: "ENOTFOUND", hostname: "bedrock.xx-east-1.amazonaws.com" });
    expect(translateAwsError(dns, ctx).message).toBe("cannot reach Bedrock in us-east-1: could not resolve bedrock.xx-east-1.amazonaws.com: no such host");
    const sts = translateAwsError(named("Error", "connect ECONNREFUSED 127.0.0.1:9", { code: "ECONNREFUSED", address: "127.0.0.1", port: 9 }), { ...ctx, service: "STS" });
    expect(sts.message).toBe("cannot reach STS in us-east-1: could not connect to 127.0.0.1:9: connection refused");
    expect(sts.hint).toContain("AWS_ENDPOINT_URL_STS");
  });

  test("every network error code is answered: a connection not made says why, one lost or refused otherwise says the message", () => {
    const ctx = { region: "us-east-1" };
    const notMade: [string, string][] = [
      ["ECONNREFUSED", "could not connect to 10.0.0.1:443: connection refused"],
      ["ETIMEDOUT", "could not connect to 10.0.0.1:443: connection timed out"],
      ["EHOSTUNREACH", "could not connect to 10.0.0.1:443: host unreachable"],
      ["ENETUNREACH", "could not connect to 10.0.0.1:443: network unreachable"],
      ["ENOTFOUND", "could not resolve 10.0.0.1:443: no such host"],
      ["EAI_AGAIN", "could not resolve 10.0.0.1:443: DNS lookup failed (temporary)"],
    ];
    for (const [code, text] of notMade) {
      const e = translateAwsError(named("Error", "request failed", { code, address: "10.0.0.1", port: 443 }), ctx);
      expect({ code, exit: e.code, message: e.message }).toEqual({ code, exit: ExitCode.unavailable, message: `cannot reach Bedrock in us-east-1: ${text}` });
    }
    for (const code of ["ECONNRESET", "EPIPE"]) {
      const e = translateAwsError(named("Error", `read ${code}`, { code }), ctx);
      expect({ code, exit: e.code, message: e.message }).toEqual({ code, exit: ExitCode.unavailable, message: `cannot reach Bedrock in us-east-1: read ${code}` });
      expect(e.hint).toContain("--endpoint-url");
    }
    const said = ["socket hang up", "Socket is closed", "Unable to connect. Is the computer able to access the url?", "ConnectionRefused", "ERR_HTTP2_STREAM_ERROR", "queryA ENOTFOUND x", "ECONNREFUSED", "EAI_AGAIN"];
    for (const message of said) {
      const e = translateAwsError(named("Error", message), ctx);
      expect({ message, exit: e.code, text: e.message }).toEqual({ message, exit: ExitCode.unavailable, text: `cannot reach Bedrock in us-east-1: ${message}` });
    }
  });

  test("geography prefixes", () => {
    expect(inferenceProfilePrefix("us-west-2")).toBe("us.");
    expect(inferenceProfilePrefix("eu-central-1")).toBe("eu.");
    expect(inferenceProfilePrefix("ap-northeast-1")).toBe("apac.");
    expect(inferenceProfilePrefix("us-gov-west-1")).toBe("us-gov.");
  });
});

describe("untrustedCertificate: one line, and a hint naming the CA setting in effect", () => {
  const selfSigned = named("Error", "self signed certificate", { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  test("the error line, from the AWS calls and on its own; anything else is not one", () => {
    expect(untrustedCertificate(selfSigned, {})).toMatchObject({ code: ExitCode.unavailable, message: "TLS: the server's certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)" });
    expect(translateAwsError(selfSigned).message).toBe("TLS: the server's certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)");
    expect(untrustedCertificate(named("Error", "connect ECONNREFUSED 127.0.0.1:9", { code: "ECONNREFUSED" }), {})).toBeUndefined();
  });

  test("AWS_CA_BUNDLE set: that bundle does not trust the server (the profile's ca_bundle is not read); else both settings, in AWS_CONFIG_FILE's file when set", () => {
    expect(untrustedCertificate(selfSigned, {})?.hint).toBe("behind a TLS-inspecting proxy, point AWS_CA_BUNDLE or the profile's ca_bundle setting in ~/.aws/config (or NODE_EXTRA_CA_CERTS) at your organisation's CA bundle");
    expect(untrustedCertificate(selfSigned, { AWS_CONFIG_FILE: "/srv/aws/config" })?.hint).toBe("behind a TLS-inspecting proxy, point AWS_CA_BUNDLE or the profile's ca_bundle setting in /srv/aws/config (or NODE_EXTRA_CA_CERTS) at your organisation's CA bundle");
    expect(untrustedCertificate(selfSigned, { AWS_CA_BUNDLE: "/etc/corp.pem", AWS_CONFIG_FILE: "/srv/aws/config" })?.hint).toBe("the CA bundle in AWS_CA_BUNDLE (/etc/corp.pem) does not trust this server: point AWS_CA_BUNDLE at your organisation's CA bundle (while it is set, the profile's ca_bundle is not read)");
    // empty is unset, as when choosing the bundle
    expect(untrustedCertificate(selfSigned, { AWS_CA_BUNDLE: "" })?.hint).toStartWith("behind a TLS-inspecting proxy, point AWS_CA_BUNDLE or the profile's ca_bundle");
  });
});
