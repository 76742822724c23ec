// One chat turn: append the prompt, stream the answer, and save the conversation before and after, so neither what
// the user wrote nor what arrived is ever lost (a crash mid-answer leaves the prompt saved as "interrupted").
import { toBedrockMessages, type Conversation, type DocumentBlock, type ImageBlock, type Usage } from "../conversations/conversation.ts";
import { recordAnswer } from "../conversations/answer.ts";
import { saveConversation, type StoreOptions } from "../conversations/store.ts";
import { attachmentReader } from "../conversations/attachments.ts";
import { streamTurn, type StreamOptions } from "../bedrock/runtime.ts";
import { checkFeatures, type TurnFeatures } from "../bedrock/features.ts";
import { answerWithFailover, type FailedAttempt, type FailoverResult } from "../bedrock/failover.ts";
import type { ClientFor } from "../bedrock/clients.ts";
import type { Target } from "../bedrock/targets.ts";
import type { TargetHealth } from "../bedrock/health.ts";
import type { AutoProfileOptions } from "../bedrock/auto-profile.ts";
import type { Cost } from "../bedrock/prices.ts";
import { priceAnswer } from "./turn-cost.ts";

/** The stream options (callbacks, signal, timeouts) are those of streamTurn. */
export interface TurnOptions extends Pick<StreamOptions, "onText" | "onReasoning" | "signal" | "firstEventTimeoutMs" | "idleTimeoutMs"> {
  clientFor: ClientFor;
  /** The conversation's model first, then its fallbacks. */
  targets: Target[];
  health: TargetHealth;
  debug?: (line: string) => void;
  conversation: Conversation;
  prompt: string;
  /** Files sent with the prompt (already checked and stored: see lib/conversations/attachments.ts). */
  attachments?: (ImageBlock | DocumentBlock)[];
  features?: TurnFeatures;
  /** Where to save; undefined means --no-save. */
  store?: StoreOptions;
  /** The file the conversation lives in (set after the first save, or by --resume). */
  path?: string;
  profile?: string;
  /** Retry a bare model id refused for on-demand throughput through its inference profile (off: undefined). */
  autoProfile?: AutoProfileOptions;
}

export interface TurnOutcome extends FailoverResult {
  path?: string;
  cost: Cost;
}

export async function runTurn(o: TurnOptions): Promise<TurnOutcome> {
  const c = o.conversation;
  // what Bedrock would refuse of any target is refused before the prompt is saved or sent
  for (const t of o.targets) checkFeatures(t.modelId, c.inference_config, o.features ?? {});
  const now = () => new Date().toISOString();
  c.messages.push({ role: "user", content: [...(o.attachments ?? []), { text: o.prompt }], timestamp: now() });
  c.updated_at = now();
  c.status = "interrupted";
  let path = o.path;
  if (o.store) path = saveConversation(c, o.store, path);

  // a target that fails before any text reached the user hands the turn to the next one; after that, never
  let shown = false;
  const viaProfile = new Map<Target, string>();
  const onText = o.onText && ((chunk: string) => ((shown = true), o.onText!(chunk)));
  const messages = toBedrockMessages(c, o.store ? attachmentReader(o.store) : undefined);
  const result = await answerWithFailover({
    targets: o.targets,
    health: o.health,
    debug: o.debug,
    shown: () => shown,
    attempt: async (t) => {
      const send = async (modelId: string) =>
        streamTurn(
          await o.clientFor(t.region),
          { modelId, messages, system: c.system, inference: c.inference_config, features: o.features },
          { onText, onReasoning: o.onReasoning, signal: o.signal, firstEventTimeoutMs: o.firstEventTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, ctx: { region: t.region, modelId, profile: o.profile } },
        );
      const first = await send(t.modelId);
      if (!first.error || !o.autoProfile || shown) return first;
      const { throughProfile } = await import("../bedrock/auto-profile.ts");
      const retried = await throughProfile(first, t, send, o.autoProfile);
      if (retried.profileId) viaProfile.set(t, retried.profileId);
      return retried.result;
    },
  });
  // the id actually called is what the conversation records (and what its next turn calls)
  const profileId = viaProfile.get(result.target);
  if (profileId) {
    result.target = { ...result.target, modelId: profileId, model: `custom:${result.target.region}:${profileId}`, kind: "inference-profile" };
    if (result.target.primary) Object.assign(c, { model: result.target.model, model_id: profileId });
  }

  // priced once the answer is complete, off the path to the first token
  const cost = await priceAnswer(result, o.features?.serviceTier, o.debug);
  recordAnswer(c, result, undefined, cost);
  if (o.store) path = saveConversation(c, o.store, path);
  return { ...result, path, cost };
}

/** `--json` output of a one-shot chat (schemas/chat-output.schema.json). */
export interface ChatJsonOutput {
  text: string;
  conversation_id: string;
  model: string;
  region: string;
  model_id: string;
  stop_reason: string | null;
  /** The model's reasoning (extended thinking), null when it did not think. */
  reasoning: string | null;
  usage: Usage;
  cost: Cost;
  latency_ms: number;
  status: "complete" | "interrupted" | "error";
  path: string | null;
  error?: { code: number; class: string; message: string; hint?: string };
  /** Targets that failed before the one named by model/region/model_id. */
  failed_attempts: FailedAttempt[];
}
