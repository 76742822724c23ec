// Inference settings from flags or batch lines: validated numbers, turned into the conversation's inference_config.
import { usageError } from "../errors.ts";
import { parseNumber } from "../numbers.ts";
import type { InferenceConfig } from "../conversations/conversation.ts";

interface InferenceInput {
  maxTokens?: string | number;
  temperature?: string | number;
  topP?: string | number;
  stop?: string[];
}

function num(v: string | number | undefined, name: string, min: number, max: number, integer = false): number | undefined {
  return v === "" ? undefined : parseNumber(v, { name, min, max, integer });
}

export function parseInference(i: InferenceInput): InferenceConfig {
  const out: InferenceConfig = {};
  const maxTokens = num(i.maxTokens, "--max-tokens", 1, 1_000_000, true);
  const temperature = num(i.temperature, "--temperature", 0, 1);
  const topP = num(i.topP, "--top-p", 0, 1);
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  if (temperature !== undefined) out.temperature = temperature;
  if (topP !== undefined) out.top_p = topP;
  if (i.stop?.length) {
    if (i.stop.some((s) => s.length === 0)) throw usageError("--stop cannot be empty", "give the text the answer should stop at, e.g. --stop END");
    if (i.stop.length > 8) throw usageError("at most 8 --stop sequences", "Bedrock takes up to 8; drop the rest");
    out.stop_sequences = i.stop;
  }
  return out;
}

/** Seconds from --timeout or a setting, as milliseconds. */
export function parseTimeout(v: string | number | undefined, fallbackSeconds = 60): number {
  // its own hint: the generic one would suggest the middle of the range (--timeout 1800.5)
  const s = v === "" ? undefined : parseNumber(v, { name: "--timeout", min: 1, max: 3600, unit: "seconds", hint: "e.g. --timeout 120" });
  return (s ?? fallbackSeconds) * 1000;
}

/** --endpoint-url must be an http(s) URL without credentials in it. */
export function parseEndpoint(v: string | undefined): string | undefined {
  if (!v) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw usageError(`--endpoint-url is not a URL: ${JSON.stringify(v)}`, "e.g. https://bedrock-runtime.us-east-1.amazonaws.com or http://127.0.0.1:8080");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw usageError(`--endpoint-url must be http or https, got ${u.protocol}`, "e.g. https://bedrock-runtime.us-east-1.amazonaws.com");
  if (u.username || u.password) throw usageError("--endpoint-url must not contain credentials", "remove user:password@ from the URL; credentials come from the AWS credential chain");
  return v.replace(/\/$/, "");
}
