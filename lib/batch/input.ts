// Batch input: JSONL items (`{"id","prompt","system"?,"model"?,"max_tokens"?,"temperature"?,"top_p"?,"stop"?,
// "attachments"?,"thinking"?,"json_schema"?,"service_tier"?}`) or plain text (one prompt a line, id = line number),
// validated whole before anything is sent: attachment files are read and checked against Bedrock's limits, schema files
// parsed (each file once), then only their paths kept. Unknown JSONL fields are refused (a typo such as "max_token"
// would otherwise be silently ignored).
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { usageError, isReduxError } from "../errors.ts";
import { checkAttachments, readAttachment, type Attachment } from "../conversations/attachments.ts";
import { checkFeatures, parseJsonSchema, parseServiceTier, parseThinking, type TurnFeatures } from "../bedrock/features.ts";
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
  /** Files sent with the prompt, relative to the input file's directory. */
  attachments?: string[];
  /** Extended thinking: a token budget or "adaptive". */
  thinking?: number | "adaptive";
  /** A JSON Schema file (relative to the input file's directory) the answer must follow. */
  json_schema?: string;
  service_tier?: "default" | "priority" | "flex";
}

export interface BatchItem {
  id: string;
  line: number;
  prompt: string;
  system?: string;
  model?: ModelRef;
  inference: InferenceConfig;
  /** Absolute paths of the item's attachments (checked when the input was read; read again when the item runs). */
  attachments?: string[];
  features?: TurnFeatures;
}

const KEYS = new Set(["id", "prompt", "system", "model", "max_tokens", "temperature", "top_p", "stop", "attachments", "thinking", "json_schema", "service_tier"]);
const ID_RE = /^[^\u0000-\u001f]{1,256}$/;

export type BatchInputFormat = "auto" | "jsonl" | "text";

/** `auto` reads JSONL when the first non-blank line starts with `{`, plain text otherwise. */
export function parseBatchInput(text: string, o: { defaultRegion?: string; source: string; format?: BatchInputFormat; baseDir?: string }): BatchItem[] {
  const base = o.baseDir ?? process.cwd();
  // each file once, however many items name it
  const files: FilesRead = { at: (p) => (isAbsolute(p) ? p : resolve(base, p)), attachments: new Map(), schemas: new Map() };
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
    const obj = parseJsonLine(l, where);
    const id = checkFields(obj, where, seen);
    const { model, inference } = modelAndInference(obj, where, o.defaultRegion);
    const { features, attachments } = featuresOf(obj, where, inference, files);
    seen.add(id);
    items.push({
      id,
      line,
      prompt: obj.prompt as string,
      ...(obj.system ? { system: obj.system as string } : {}),
      ...(model ? { model } : {}),
      inference,
      ...(attachments ? { attachments } : {}),
      ...(Object.keys(features).length ? { features } : {}),
    });
  });
  return items;
}

interface FilesRead {
  /** A path from the input, resolved against the input file's directory. */
  at(p: string): string;
  attachments: Map<string, Attachment>;
  schemas: Map<string, TurnFeatures["jsonSchema"]>;
}

function parseJsonLine(l: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(l);
  } catch {
    throw usageError(`${where} is not JSON`, "JSONL input has one object per line, e.g. {\"id\":\"a1\",\"prompt\":\"...\"}; for plain-text prompts pass --format text");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw usageError(`${where} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** The fields' names and types; returns the item's id (unique in the input). */
function checkFields(obj: Record<string, unknown>, where: string, seen: Set<string>): string {
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
  return id;
}

function modelAndInference(obj: Record<string, unknown>, where: string, defaultRegion: string | undefined): { model?: ModelRef; inference: InferenceConfig } {
  try {
    const model = obj.model ? parseModelString(obj.model as string, defaultRegion) : undefined;
    const inference = parseInference({ maxTokens: obj.max_tokens as number, temperature: obj.temperature as number, topP: obj.top_p as number, stop: obj.stop as string[] });
    return { model, inference };
  } catch (err) {
    throw usageError(`${where}: ${(err as Error).message.replace(/--(max-tokens|top-p)/, (_, f: string) => f.replace("-", "_"))}`, (err as { hint?: string }).hint);
  }
}

/** thinking (into the inference), service_tier, json_schema and attachments: files read and checked, each once. */
function featuresOf(obj: Record<string, unknown>, where: string, inference: InferenceConfig, files: FilesRead): { features: TurnFeatures; attachments?: string[] } {
  const features: TurnFeatures = {};
  let attachments: string[] | undefined;
  try {
    if (obj.thinking !== undefined) inference.thinking = parseThinking(obj.thinking as string | number, '"thinking"');
    if (obj.service_tier !== undefined) features.serviceTier = parseServiceTier(String(obj.service_tier), '"service_tier"');
    if (obj.json_schema !== undefined) {
      if (typeof obj.json_schema !== "string") throw usageError('"json_schema" must be a file path');
      const path = files.at(obj.json_schema);
      if (!files.schemas.has(path)) files.schemas.set(path, parseJsonSchema(readSchema(path), obj.json_schema));
      features.jsonSchema = files.schemas.get(path);
    }
    if (obj.attachments !== undefined) {
      if (!Array.isArray(obj.attachments) || !obj.attachments.every((a) => typeof a === "string" && a !== "")) throw usageError('"attachments" must be a list of file paths');
      attachments = (obj.attachments as string[]).map(files.at);
      const list = attachments.map((p) => files.attachments.get(p) ?? files.attachments.set(p, readAttachment(p)).get(p)!);
      checkAttachments(list, obj.prompt as string);
      // checked: only the path is kept (the bytes are read again when the item runs), so thousands of items with
      // their own files never hold them all at once; a path used again is not checked twice over its bytes
      for (const a of list) a.bytes = new Uint8Array();
    }
  } catch (err) {
    if (!isReduxError(err)) throw err;
    throw usageError(`${where}: ${err.message}`, err.hint);
  }
  return { features, attachments };
}

function readSchema(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw usageError(`cannot read the JSON Schema ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** What Bedrock would refuse of an item's model and features, refused before the run, naming the line. */
export function checkItemFeatures(items: BatchItem[], defaults: { modelId?: string; inference: InferenceConfig }, source: string): void {
  for (const it of items) {
    const modelId = it.model?.modelId ?? defaults.modelId;
    if (!modelId) continue;
    try {
      checkFeatures(modelId, { ...defaults.inference, ...it.inference }, it.features ?? {});
    } catch (err) {
      if (!isReduxError(err)) throw err;
      throw usageError(`${source} line ${it.line}: ${err.message}`, err.hint);
    }
  }
}
