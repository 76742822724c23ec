// Bedrock's CountTokens: how many input tokens a Converse request would be, without running the model (and so
// without cost). Not every model supports it; Bedrock says so with a validation error.
import type { BedrockRuntimeClient, Message as BedrockMessage } from "@aws-sdk/client-bedrock-runtime";
import { ExitCode, ReduxError, translateAwsError, type AwsErrorContext } from "../errors.ts";

interface CountTokensRequest {
  modelId: string;
  messages: BedrockMessage[];
  system?: string;
}

/** The input size of a Converse request, in tokens; throws translated errors. */
export async function countTokens(client: BedrockRuntimeClient, req: CountTokensRequest, o: { timeoutMs: number; ctx?: AwsErrorContext }): Promise<number> {
  const { CountTokensCommand } = await import("@aws-sdk/client-bedrock-runtime");
  const signal = AbortSignal.timeout(o.timeoutMs);
  try {
    const res = await client.send(
      new CountTokensCommand({
        modelId: req.modelId,
        input: { converse: { messages: req.messages, ...(req.system ? { system: [{ text: req.system }] } : {}) } },
      }),
      { abortSignal: signal },
    );
    return res.inputTokens ?? 0;
  } catch (err) {
    if (signal.aborted) throw new ReduxError(ExitCode.unavailable, `timed out: no answer to CountTokens within ${Math.round(o.timeoutMs / 1000)} s`, "raise --timeout, or check the network path to Bedrock");
    throw translateAwsError(err, { action: "bedrock:CountTokens", ...o.ctx });
  }
}
