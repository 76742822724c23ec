// What a model family can be asked for, in one table: extended thinking (and with which request shape), whether it
// refuses temperature together with top_p, and latency-optimized inference. A model the table does not know is sent
// as asked and Bedrock decides. README "Model capabilities" mirrors this table.
import { stripProfilePrefix } from "./model-string.ts";

interface Capabilities {
  /** The family this row describes, for messages. */
  family: string;
  /** How it thinks: a token budget (`thinking: {type: enabled, budget_tokens}`), adaptive with an effort, or not at all. */
  thinking: "budget" | "adaptive" | "none";
  /** Refuses `temperature` and `top_p` in the same request. */
  exclusiveSamplers: boolean;
  /** Takes `performanceConfig.latency = optimized`. */
  latencyOptimized: boolean;
}

interface Row extends Capabilities {
  match: RegExp;
}

// Matched against the model id with any geographic prefix (us., eu., global., ...) and the ARN around it removed.
// Order matters: the first row that matches wins.
const TABLE: Row[] = [
  { match: /^anthropic\.claude-(opus|sonnet|haiku)-(4-[6-9]|[5-9])/, family: "Claude 4.6 and later", thinking: "adaptive", exclusiveSamplers: true, latencyOptimized: false },
  { match: /^anthropic\.claude-(sonnet-4-5|haiku-4-5|opus-4-1|opus-4-5)/, family: "Claude Sonnet 4.5, Haiku 4.5, Opus 4.1 and 4.5", thinking: "budget", exclusiveSamplers: true, latencyOptimized: false },
  { match: /^anthropic\.claude-(sonnet-4|opus-4)(-\d{8}|-v|$)/, family: "Claude Sonnet 4 and Opus 4", thinking: "budget", exclusiveSamplers: false, latencyOptimized: false },
  { match: /^anthropic\.claude-3-7-sonnet/, family: "Claude 3.7 Sonnet", thinking: "budget", exclusiveSamplers: false, latencyOptimized: false },
  { match: /^anthropic\.claude-3-5-haiku/, family: "Claude 3.5 Haiku", thinking: "none", exclusiveSamplers: false, latencyOptimized: true },
  { match: /^anthropic\.claude-(3-5-sonnet|3-|instant|v2)/, family: "Claude 3 and 3.5", thinking: "none", exclusiveSamplers: false, latencyOptimized: false },
  { match: /^meta\.llama3-1-(70b|405b)/, family: "Llama 3.1 70B and 405B", thinking: "none", exclusiveSamplers: false, latencyOptimized: true },
  { match: /^meta\.llama/, family: "Llama", thinking: "none", exclusiveSamplers: false, latencyOptimized: false },
  { match: /^amazon\.nova-pro/, family: "Nova Pro", thinking: "none", exclusiveSamplers: false, latencyOptimized: true },
  { match: /^amazon\.(nova|titan)/, family: "Nova and Titan", thinking: "none", exclusiveSamplers: false, latencyOptimized: false },
  { match: /^mistral\./, family: "Mistral", thinking: "none", exclusiveSamplers: false, latencyOptimized: false },
];

/** The model id without an ARN around it or a geographic inference-profile prefix. */
export function baseModelId(modelId: string): string {
  const id = modelId.startsWith("arn:") ? (modelId.split("/").at(-1) ?? modelId) : modelId;
  return stripProfilePrefix(id);
}

/** The capabilities of the model's family, or undefined when the table does not know it. */
export function capabilitiesOf(modelId: string): Capabilities | undefined {
  const id = baseModelId(modelId);
  const row = TABLE.find((r) => r.match.test(id));
  if (!row) return undefined;
  const { match: _match, ...caps } = row;
  return caps;
}

