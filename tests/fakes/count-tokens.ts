// CountTokens for the loopback Bedrock: `POST /model/{modelId}/count-tokens` with `{input: {converse: {messages,
// system}}}` (or `{input: {invokeModel: {body}}}`) answers `{inputTokens}`, counted the way the fake counts a
// Converse request's input (words). A model id containing `no-count` refuses, as models without CountTokens do.
export interface CountTokensAnswer {
  status: number;
  errorType?: string;
  body: Record<string, unknown>;
}

export function countTokensAnswer(modelId: string, body: any, inputOf: (converse: any) => number): CountTokensAnswer {
  if (modelId.includes("no-count")) {
    return { status: 400, errorType: "ValidationException", body: { message: "The provided model doesn't support counting tokens." } };
  }
  const converse = body?.input?.converse;
  if (!converse || !Array.isArray(converse.messages)) {
    return { status: 400, errorType: "ValidationException", body: { message: "input.converse.messages is required" } };
  }
  return { status: 200, body: { inputTokens: inputOf(converse) } };
}
