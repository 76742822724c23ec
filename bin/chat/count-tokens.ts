// redux-chat --count-tokens: the prompt's input size from Bedrock's CountTokens (with the history of a resumed
// conversation and the system prompt), printed instead of sending it; nothing is saved and the model does not run.
import type { Session } from "../../lib/chat/session.ts";
import { countTokens } from "../../lib/bedrock/count-tokens.ts";
import { toBedrockMessages, type ContentBlock } from "../../lib/conversations/conversation.ts";
import { costOf, priceFor, tierOf } from "../../lib/bedrock/prices.ts";
import { out } from "../shared/io.ts";

/** `--json` output of --count-tokens (schemas/count-tokens-output.schema.json). */
export interface CountTokensJson {
  input_tokens: number;
  model: string;
  region: string;
  model_id: string;
  /** What that input would cost at the input rate of the tier asked for (`--service-tier`, else on-demand); null when unknown. */
  input_cost_usd: number | null;
}

export async function countPrompt(session: Session, prompt: string, json: boolean, serviceTier?: string, attachments: ContentBlock[] = []) {
  const c = session.conversation;
  // the message as it would be sent: the attached files first, then the prompt
  const draft = { ...c, messages: [...c.messages, { role: "user" as const, content: [...attachments, { text: prompt }], timestamp: new Date().toISOString() }] };
  const n = await countTokens(
    await session.client(),
    { modelId: c.model_id, messages: toBedrockMessages(draft), system: c.system },
    { timeoutMs: session.timeoutMs, ctx: { region: c.region, modelId: c.model_id, profile: session.profile } },
  );
  if (!json) return out(`${n}\n`);
  const result: CountTokensJson = {
    input_tokens: n,
    model: c.model,
    region: c.region,
    model_id: c.model_id,
    input_cost_usd: inputCost(n, c.model_id, c.region, serviceTier),
  };
  out(`${JSON.stringify(result)}\n`);
}

/** The input's cost at the tier that would be asked for; unknown (null) when that tier has no price, never another tier's. */
function inputCost(tokens: number, modelId: string, region: string, serviceTier?: string): number | null {
  const tier = tierOf(serviceTier);
  return tier ? costOf({ input_tokens: tokens, output_tokens: 0 }, priceFor(modelId, region, tier)).usd : null;
}
