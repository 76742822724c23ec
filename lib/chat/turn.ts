// One chat turn: append the prompt, stream the answer, and save the conversation before and after, so neither what
// the user wrote nor what arrived is ever lost (a crash mid-answer leaves the prompt saved as "interrupted").
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { addUsage, toBedrockMessages, type AssistantMessage, type Conversation, type Usage } from "../conversations/conversation.ts";
import { saveConversation, type StoreOptions } from "../conversations/store.ts";
import { streamTurn, type TurnResult } from "../bedrock/runtime.ts";

export interface TurnOptions {
  client: BedrockRuntimeClient;
  conversation: Conversation;
  prompt: string;
  /** Where to save; undefined means --no-save. */
  store?: StoreOptions;
  /** The file the conversation lives in (set after the first save, or by --resume). */
  path?: string;
  onText?: (chunk: string) => void;
  signal?: AbortSignal;
  firstEventTimeoutMs: number;
  idleTimeoutMs: number;
  profile?: string;
}

export interface TurnOutcome extends TurnResult {
  path?: string;
}

export async function runTurn(o: TurnOptions): Promise<TurnOutcome> {
  const c = o.conversation;
  const now = () => new Date().toISOString();
  c.messages.push({ role: "user", content: [{ text: o.prompt }], timestamp: now() });
  c.updated_at = now();
  c.status = "interrupted";
  let path = o.path;
  if (o.store) path = saveConversation(c, o.store, path);

  const result = await streamTurn(
    o.client,
    { modelId: c.model_id, messages: toBedrockMessages(c), system: c.system, inference: c.inference_config },
    {
      onText: o.onText,
      signal: o.signal,
      firstEventTimeoutMs: o.firstEventTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      ctx: { region: c.region, modelId: c.model_id, profile: o.profile },
    },
  );

  const answer: AssistantMessage = {
    role: "assistant",
    content: [{ text: result.text }],
    timestamp: now(),
    model: c.model,
    ...(result.usage ? { usage: result.usage } : {}),
    ...(result.stopReason ? { stop_reason: result.stopReason } : {}),
    latency_ms: result.latencyMs,
    status: result.status,
    ...(result.error && result.status === "error" ? { error: result.error.message } : {}),
  };
  c.messages.push(answer);
  c.usage = addUsage(c.usage, result.usage);
  c.status = result.status;
  c.updated_at = answer.timestamp;
  if (o.store) path = saveConversation(c, o.store, path);
  return { ...result, path };
}

/** `--json` output of a one-shot chat (schemas/chat-output.schema.json). */
export interface ChatJsonOutput {
  text: string;
  conversation_id: string;
  model: string;
  region: string;
  model_id: string;
  stop_reason: string | null;
  usage: Usage;
  latency_ms: number;
  status: "complete" | "interrupted" | "error";
  path: string | null;
  error?: { code: number; class: string; message: string; hint?: string };
}
