// A turn's answer recorded into its conversation: the one shape of an assistant message, for chat turns and saved
// batch items alike.
import { addUsage, type AssistantMessage, type Conversation } from "./conversation.ts";
import type { FailoverResult } from "../bedrock/failover.ts";
import type { Cost } from "../bedrock/prices.ts";

/** Appends the answer (from whichever target gave it) and updates the conversation's usage, status and time. */
export function recordAnswer(c: Conversation, r: FailoverResult, timestamp = new Date().toISOString(), cost?: Cost): AssistantMessage {
  const answer: AssistantMessage = {
    role: "assistant",
    content: [...(r.reasoning ?? []), { text: r.text }],
    timestamp,
    model: r.target.model,
    region: r.target.region,
    model_id: r.target.modelId,
    failed_attempts: r.failed,
    ...(r.usage ? { usage: r.usage } : {}),
    ...(r.stopReason ? { stop_reason: r.stopReason } : {}),
    latency_ms: r.latencyMs,
    status: r.status,
    ...(r.error && r.status === "error" ? { error: r.error.message } : {}),
    // what it cost at the price in force then (lib/bedrock/prices.ts)
    ...(r.usage && cost ? { cost } : {}),
  };
  c.messages.push(answer);
  c.usage = addUsage(c.usage, r.usage);
  c.status = r.status;
  c.updated_at = timestamp;
  return answer;
}
