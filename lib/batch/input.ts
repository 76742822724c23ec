// Batch input: JSONL items (`{"id","prompt","system"?,"model"?,"max_tokens"?,"temperature"?,"top_p"?,"stop"?}`) or
// plain text (one prompt a line, id = line number), validated whole before anything is sent. Unknown JSONL fields are
// refused (a typo such as "max_token" would otherwise be silently ignored).
import { usageError } from "../errors.ts";
import { parseModelString, type ModelRef } from "../bedrock/model-string.ts";
import { parseInference } from "../bedrock/inference.ts";
import type { InferenceConfig } from "../conversations/conversation.ts";

/** One input line as written (schemas/batch-input.schema.json). */
export interface BatchInputLine {
  id: string | number;
  prompt: string;
  system?: string;
  model?: string;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
}

export interface BatchItem {
  id: string;
  line: number;
  prompt: string;
  system?: string;
  model?: ModelRef;
  inference: InferenceConfig;
}

const KEYS = new Set(["id", "prompt", "system", "model", "max_tokens", "temperature", "top_p", "stop"]);
const ID_RE = /^[^\u0000-\u001f]{1,256}$/;

export type BatchInputFormat = "auto" | "jsonl" | "text";

/** `auto` reads JSONL when the first non-blank line starts with `{`, plain text otherwise. */
export function parseBatchInput(text: string, o: { defaultRegion?: string; source: string; format?: BatchInputFormat }): BatchItem[] {
  const lines = text.split("\n");
  const firstReal = lines.find((l) => l.trim() !== "")?.trim() ?? "";
  const jsonl = o.format === "jsonl" || (o.format !== "text" && firstReal.startsWith("{"));
  const items: BatchItem[] = [];
  const seen = new Set<string>();
  lines.forEach((raw, i) => {
    const line = i + 1;
    const where = `${o.source} line ${line}`;
    const l = raw.replace(/\r$/, "");
    if (l.trim() === "") return;
    if (!jsonl) {
      items.push({ id: String(line), line, prompt: l, inference: {} });
      return;
    }
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw usageError(`${where} is not JSON`, "JSONL input has one object per line, e.g. {\"id\":\"a1\",\"prompt\":\"...\"}; for plain-text prompts pass --format text");
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw usageError(`${where} is not a JSON object`);
    const obj = v as Record<string, unknown>;
    for (const k of Object.keys(obj)) if (!KEYS.has(k)) throw usageError(`${where}: unknown field ${JSON.stringify(k)}`, `fields: ${[...KEYS].join(", ")}`);
    const id = typeof obj.id === "number" && Number.isFinite(obj.id) ? String(obj.id) : obj.id;
    if (typeof id !== "string" || !ID_RE.test(id)) throw usageError(`${where}: "id" must be a non-empty string or number (at most 256 characters)`);
    if (seen.has(id)) throw usageError(`${where}: id ${JSON.stringify(id)} appears twice`, "ids must be unique: they are how a re-run knows what is done");
    if (typeof obj.prompt !== "string" || obj.prompt.trim() === "") throw usageError(`${where}: "prompt" must be a non-empty string`);
    if (obj.system !== undefined && typeof obj.system !== "string") throw usageError(`${where}: "system" must be a string`);
    if (obj.model !== undefined && typeof obj.model !== "string") throw usageError(`${where}: "model" must be a string`);
    if (obj.stop !== undefined && (!Array.isArray(obj.stop) || !obj.stop.every((s) => typeof s === "string"))) throw usageError(`${where}: "stop" must be an array of strings`);
    for (const k of ["max_tokens", "temperature", "top_p"] as const) {
      if (obj[k] !== undefined && typeof obj[k] !== "number") throw usageError(`${where}: "${k}" must be a number`);
    }
    let model: ModelRef | undefined;
    let inference: InferenceConfig;
    try {
      model = obj.model ? parseModelString(obj.model as string, o.defaultRegion) : undefined;
      inference = parseInference({ maxTokens: obj.max_tokens as number, temperature: obj.temperature as number, topP: obj.top_p as number, stop: obj.stop as string[] });
    } catch (err) {
      throw usageError(`${where}: ${(err as Error).message.replace(/--(max-tokens|top-p)/, (_, f: string) => f.replace("-", "_"))}`, (err as { hint?: string }).hint);
    }
    seen.add(id);
    items.push({ id, line, prompt: obj.prompt as string, ...(obj.system ? { system: obj.system as string } : {}), ...(model ? { model } : {}), inference });
  });
  return items;
}
