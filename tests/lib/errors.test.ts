import { describe, expect, test } from "bun:test";
import { translateAwsError, ExitCode, inferenceProfilePrefix } from "../../lib/errors.ts";

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

  test("geography prefixes", () => {
    expect(inferenceProfilePrefix("us-west-2")).toBe("us.");
    expect(inferenceProfilePrefix("eu-central-1")).toBe("eu.");
    expect(inferenceProfilePrefix("ap-northeast-1")).toBe("apac.");
    expect(inferenceProfilePrefix("us-gov-west-1")).toBe("us-gov.");
  });
});
