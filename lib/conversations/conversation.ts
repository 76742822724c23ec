// The conversation file: its TypeScript type (mirrored by schemas/conversation.schema.json), a validator for
// files read from disk, and pure helpers that build and extend a conversation.
import type { FailedAttempt } from "../bedrock/failover.ts";
import type { ContentBlock as SdkContentBlock } from "@aws-sdk/client-bedrock-runtime";
import type { Cost } from "../bedrock/prices.ts";

export const CONVERSATION_VERSION = 1;

export type ConversationStatus = "complete" | "interrupted" | "error";

export interface Usage {
  /** Input tokens billed at the input rate (Bedrock counts cached tokens separately). */
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** Prompt-cache tokens read and written; absent in files saved before redux recorded them (read as 0). */
  cache_read_input_tokens?: number;
  cache_write_input_tokens?: number;
}

export interface InferenceConfig {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  /** Extended thinking (--thinking): a token budget, or adaptive. Kept for the conversation's later turns. */
  thinking?: number | "adaptive";
  /** How hard an adaptive thinker works (--effort). */
  effort?: "low" | "medium" | "high";
}

export interface TextBlock {
  text: string;
}

/** A tool the model asked to run (kept from imported Amazon Q CLI history; redux itself sends no tools). */
export interface ToolUseBlock {
  tool_use: { id: string; name: string; input: unknown };
}

/** What a tool returned, sent back as the next user message. */
export interface ToolResultBlock {
  tool_result: { tool_use_id: string; status: "success" | "error"; content: ({ text: string } | { json: unknown })[] };
}

/** The model's reasoning before its answer (extended thinking): sent back unchanged, with its signature, next turn. */
export interface ReasoningBlock {
  reasoning: { text?: string; signature?: string; /** base64 of reasoning the provider encrypted */ redacted?: string };
}

export type ImageFormat = "png" | "jpeg" | "gif" | "webp";
export type DocumentFormat = "pdf" | "csv" | "doc" | "docx" | "xls" | "xlsx" | "html" | "txt" | "md";

/**
 * An attached file's bytes: inline (`bytes`, base64) or, above a size, in a content-addressed file beside the
 * conversation (`file`: `attachments/<sha256>.<format>`, relative to the conversations directory).
 */
export interface AttachmentData {
  name: string;
  size: number;
  sha256: string;
  bytes?: string;
  file?: string;
}

export interface ImageBlock {
  image: AttachmentData & { format: ImageFormat };
}

export interface DocumentBlock {
  document: AttachmentData & { format: DocumentFormat };
}

export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock | ReasoningBlock | ImageBlock | DocumentBlock;

/** Where an imported conversation came from (absent on conversations redux started). */
export interface ConversationSource {
  kind: "amazon-q-cli";
  /** The source's own conversation id; the redux id is derived from it. */
  conversation_id: string;
  /** The `/save` file, or the database file and its row key. */
  origin: string;
  /** The working directory the conversation ran in. */
  cwd?: string;
  /** The Amazon Q CLI's model id (not a Bedrock model id). */
  model?: string;
  /** Messages that came from the source: later ones were added in redux. */
  message_count: number;
  imported_at: string;
}

export interface UserMessage {
  role: "user";
  content: ContentBlock[];
  timestamp: string;
}

export interface AssistantMessage {
  role: "assistant";
  content: ContentBlock[];
  timestamp: string;
  /** The target that answered (with fallbacks, not always the conversation's model). */
  model?: string;
  region?: string;
  model_id?: string;
  /** Targets that failed before the one that answered. */
  failed_attempts?: FailedAttempt[];
  usage?: Usage;
  stop_reason?: string;
  latency_ms?: number;
  status?: ConversationStatus;
  error?: string;
  /** What the answer cost at the price that applied when it arrived (lib/bedrock/prices.ts); absent in older files. */
  cost?: Cost;
}

export type Message = UserMessage | AssistantMessage;

export interface Conversation {
  version: number;
  conversation_id: string;
  model: string;
  region: string;
  model_id: string;
  created_at: string;
  updated_at: string;
  system?: string;
  inference_config: InferenceConfig;
  messages: Message[];
  usage: Usage;
  status: ConversationStatus;
  source?: ConversationSource;
}

export const emptyUsage = (): Usage => ({ input_tokens: 0, output_tokens: 0, total_tokens: 0, cache_read_input_tokens: 0, cache_write_input_tokens: 0 });

export const addUsage = (a: Usage, b?: Usage): Usage =>
  b
    ? {
        input_tokens: a.input_tokens + b.input_tokens,
        output_tokens: a.output_tokens + b.output_tokens,
        total_tokens: a.total_tokens + b.total_tokens,
        cache_read_input_tokens: (a.cache_read_input_tokens ?? 0) + (b.cache_read_input_tokens ?? 0),
        cache_write_input_tokens: (a.cache_write_input_tokens ?? 0) + (b.cache_write_input_tokens ?? 0),
      }
    : a;

const isAsciiAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * A conversation id: a letter or digit, then up to 127 letters, digits, `-` and `_`. Checked by hand, not by a
 * RegExp, as isPlainIsoDate is.
 */
export function isConversationId(s: string): boolean {
  if (s.length === 0 || s.length > 128) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAsciiAlnum(c) && (i === 0 || (c !== 45 && c !== 95))) return false;
  }
  return true;
}

// the Web Crypto global: importing node:crypto costs every start that only reads conversations
const newConversationId = () => crypto.randomUUID();

export function newConversation(init: {
  model: string;
  region: string;
  model_id: string;
  system?: string;
  inference_config?: InferenceConfig;
  now?: Date;
}): Conversation {
  const now = (init.now ?? new Date()).toISOString();
  return {
    version: CONVERSATION_VERSION,
    conversation_id: newConversationId(),
    model: init.model,
    region: init.region,
    model_id: init.model_id,
    created_at: now,
    updated_at: now,
    ...(init.system ? { system: init.system } : {}),
    inference_config: init.inference_config ?? {},
    messages: [],
    usage: emptyUsage(),
    status: "complete",
  };
}

/** Number of user turns. */
// plain loops in turnCount, messageText and parseConversation: `redux-export list` calls them at start-up, where the
// first use of each Array method (filter, map, forEach, every) costs about 0.1 M instructions
export function turnCount(c: Conversation): number {
  let n = 0;
  for (const m of c.messages) if (m.role === "user") n++;
  return n;
}

/** The text a person wrote or read: text blocks only (tool parts are rendered by the export formats). */
export function messageText(m: Message): string {
  let s = "";
  for (const b of m.content) if ("text" in b) s += b.text;
  return s;
}

/** A tool part as one line of plain text (for formats and for models that were sent no tool definitions). */
export function toolPartText(b: ToolUseBlock | ToolResultBlock): string {
  if ("tool_use" in b) return `[tool use ${b.tool_use.name} (${b.tool_use.id}): ${JSON.stringify(b.tool_use.input)}]`;
  const body = b.tool_result.content.map((c) => ("text" in c ? c.text : JSON.stringify(c.json))).join("\n");
  return `[tool result ${b.tool_result.tool_use_id} (${b.tool_result.status}): ${body}]`;
}

/** An attachment as one line of plain text. */
const attachmentText = (b: ImageBlock | DocumentBlock) => {
  const a = "image" in b ? b.image : b.document;
  return `[${"image" in b ? "image" : "document"} ${a.name} (${a.format}, ${a.size} bytes)]`;
};

/** Every part a person reads, as text: text as it is, tool parts and attachments as one line each; reasoning left out. */
export const messageFullText = (m: Message) =>
  m.content
    .map((b) => ("text" in b ? b.text : "tool_use" in b || "tool_result" in b ? toolPartText(b) : "reasoning" in b ? "" : attachmentText(b)))
    .filter((t, i, all) => t !== "" || all.length === 1)
    .join("\n")
    .replace(/^\n+|\n+$/g, "");

/** The reasoning of an answer, as text (redacted reasoning is not readable). */
export const messageReasoning = (m: Message) =>
  m.content.map((b) => ("reasoning" in b ? (b.reasoning.text ?? "") : "")).join("");

/** Reads an attachment stored beside the conversation (`file`), for the request. */
export type AttachmentReader = (file: string) => Uint8Array;

/** A Bedrock content block, as the runtime SDK takes it (a type only: nothing of the SDK is loaded here). */
type BedrockBlock = SdkContentBlock;

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

function attachmentBytes(a: AttachmentData, read?: AttachmentReader): Uint8Array {
  if (a.bytes !== undefined) return fromBase64(a.bytes);
  if (a.file && read) return read(a.file);
  throw new ConversationFormatError(`attachment ${a.name} has no bytes`);
}

/** One message's parts as Bedrock content blocks (attachments stored beside the conversation read through `read`). */
export function toBedrockBlocks(m: Message, read?: AttachmentReader): BedrockBlock[] {
  const out: BedrockBlock[] = [];
  for (const b of m.content) {
    if ("text" in b) {
      if (b.text !== "") out.push({ text: b.text });
    } else if ("reasoning" in b) {
      // only whole reasoning goes back: Bedrock refuses reasoning without its signature (an answer cut off mid-thought)
      if (b.reasoning.redacted) out.push({ reasoningContent: { redactedContent: fromBase64(b.reasoning.redacted) } });
      else if (b.reasoning.signature) out.push({ reasoningContent: { reasoningText: { text: b.reasoning.text ?? "", signature: b.reasoning.signature } } });
    } else if ("image" in b) {
      out.push(bedrockAttachment({ kind: "image", format: b.image.format, name: b.image.name, bytes: attachmentBytes(b.image, read) }));
    } else if ("document" in b) {
      out.push(bedrockAttachment({ kind: "document", format: b.document.format, name: b.document.name, bytes: attachmentBytes(b.document, read) }));
    } else {
      // tool parts go as text: redux sends no tool definitions, and Bedrock refuses toolUse blocks without them
      out.push({ text: toolPartText(b) });
    }
  }
  return out;
}

/** An attachment's Bedrock block, from its bytes as they are (a saved part's, or a file's read just now). */
export function bedrockAttachment(a: { kind: "image" | "document"; format: ImageFormat | DocumentFormat; name: string; bytes: Uint8Array }): BedrockBlock {
  return a.kind === "image"
    ? { image: { format: a.format as ImageFormat, source: { bytes: a.bytes } } }
    : { document: { format: a.format as DocumentFormat, name: documentName(a.name), source: { bytes: a.bytes } } };
}

/** Bedrock's document name: letters, digits, single spaces, hyphens, parentheses and square brackets, 1-200. */
function documentName(name: string): string {
  const base = name.replace(/\.[A-Za-z0-9]{1,5}$/, "");
  const clean = base.replace(/[^A-Za-z0-9\s\-()[\]]+/g, "-").replace(/\s+/g, " ").trim().slice(0, 200);
  return clean || "document";
}

/**
 * The history to send to Bedrock: user/assistant alternating, ending with the new user turn. A turn that failed
 * before any answer (its answer is empty, or missing after a crash) is not sent again: its prompt stays in the file,
 * but the model never saw it, so the next prompt goes on its own rather than glued to it.
 */
export function toBedrockMessages(c: Conversation, read?: AttachmentReader): { role: "user" | "assistant"; content: BedrockBlock[] }[] {
  const out: { role: "user" | "assistant"; content: BedrockBlock[] }[] = [];
  const msgs = c.messages;
  msgs.forEach((m, i) => {
    const next = msgs[i + 1];
    if (m.role === "user" && next && !(next.role === "assistant" && messageFullText(next) !== "")) return;
    const blocks = toBedrockBlocks(m, read);
    if (m.role === "assistant" && !blocks.some((b) => "text" in b)) return;
    const last = out.at(-1);
    if (last && last.role === m.role) {
      last.content.push(...blocks);
      return;
    }
    out.push({ role: m.role, content: blocks });
  });
  return out;
}

// ---- validation at the edge (files read from disk) -------------------------------------------------------------

export class ConversationFormatError extends Error {
  override name = "ConversationFormatError";
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNonNegInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
/**
 * toISOString's form (2026-11-30T10:36:15.918Z) with every field in range for any month (day 28 at most): a date
 * Date.parse accepts. Checked first because listing 50,000 conversations checks 400,000 dates, and Date.parse took
 * five times as long; anything else (a 31st, another form) is left to Date.parse. By hand, not by a RegExp: a
 * `redux-export list` of one file would otherwise compile JavaScriptCore's RegExp code for this alone (with the id
 * and first-prompt checks, 0.2-0.4 ms of a 9 ms run).
 */
export function isPlainIsoDate(s: string): boolean {
  if (s.length !== 24 || s[4] !== "-" || s[7] !== "-" || s[10] !== "T" || s[13] !== ":" || s[16] !== ":" || s[19] !== "." || s[23] !== "Z") return false;
  for (let i = 0; i < 23; i++) {
    if (i === 4 || i === 7 || i === 10 || i === 13 || i === 16 || i === 19) continue;
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const two = (i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
  const month = two(5);
  const day = two(8);
  // minutes and seconds: 00-59, their first digit 0-5
  return month >= 1 && month <= 12 && day >= 1 && day <= 28 && two(11) <= 23 && s.charCodeAt(14) <= 53 && s.charCodeAt(17) <= 53;
}

const isIsoDate = (v: unknown) => typeof v === "string" && (isPlainIsoDate(v) || !Number.isNaN(Date.parse(v)));
const STATUSES = new Set(["complete", "interrupted", "error"]);

const IMAGE_FORMATS = new Set(["png", "jpeg", "gif", "webp"]);
const DOCUMENT_FORMATS = new Set(["pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"]);
const isAttachment = (a: unknown, formats: Set<string>) =>
  isObj(a) && typeof a.name === "string" && formats.has(a.format as string) && isNonNegInt(a.size) && typeof a.sha256 === "string" &&
  (typeof a.bytes === "string" || (typeof a.file === "string" && /^attachments\/[0-9a-f]{64}\.[a-z]+$/.test(a.file)));

function isContentBlock(b: unknown): boolean {
  if (!isObj(b)) return false;
  if ("text" in b) return typeof b.text === "string";
  if ("reasoning" in b) return isObj(b.reasoning);
  if ("image" in b) return isAttachment(b.image, IMAGE_FORMATS);
  if ("document" in b) return isAttachment(b.document, DOCUMENT_FORMATS);
  if (isObj(b.tool_use)) return typeof b.tool_use.id === "string" && typeof b.tool_use.name === "string";
  if (isObj(b.tool_result)) {
    const r = b.tool_result;
    return typeof r.tool_use_id === "string" && (r.status === "success" || r.status === "error") && Array.isArray(r.content) && r.content.every((c) => isObj(c) && (typeof c.text === "string" || "json" in c));
  }
  return false;
}

function everyBlock(blocks: unknown[]): boolean {
  for (let i = 0; i < blocks.length; i++) if (!isContentBlock(blocks[i])) return false;
  return true;
}

function checkUsage(v: unknown, where: string) {
  if (!isObj(v) || !isNonNegInt(v.input_tokens) || !isNonNegInt(v.output_tokens) || !isNonNegInt(v.total_tokens)) {
    throw new ConversationFormatError(`${where}: usage must have non-negative integer input_tokens, output_tokens, total_tokens`);
  }
  for (const k of ["cache_read_input_tokens", "cache_write_input_tokens"]) {
    if (v[k] !== undefined && !isNonNegInt(v[k])) throw new ConversationFormatError(`${where}: usage.${k} must be a non-negative integer`);
  }
}

/** Validates a parsed JSON value as a Conversation (the same rules as the JSON Schema) and returns it typed. */
export function parseConversation(v: unknown): Conversation {
  const fail = (msg: string): never => {
    throw new ConversationFormatError(msg);
  };
  if (!isObj(v)) fail("not a JSON object");
  const o = v as Record<string, unknown>;
  if (o.version !== CONVERSATION_VERSION) fail(`unsupported version ${JSON.stringify(o.version)}`);
  if (typeof o.conversation_id !== "string" || !isConversationId(o.conversation_id)) fail("conversation_id is missing or invalid");
  for (const k of ["model", "region", "model_id"] as const) if (typeof o[k] !== "string" || !o[k]) fail(`${k} must be a non-empty string`);
  for (const k of ["created_at", "updated_at"] as const) if (!isIsoDate(o[k])) fail(`${k} must be an ISO date`);
  if (o.system !== undefined && typeof o.system !== "string") fail("system must be a string");
  if (!isObj(o.inference_config)) fail("inference_config must be an object");
  if (!Array.isArray(o.messages)) fail("messages must be an array");
  const messages = o.messages as unknown[];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const where = `messages[${i}]`;
    if (!isObj(m)) fail(`${where} must be an object`);
    const msg = m as Record<string, unknown>;
    if (msg.role !== "user" && msg.role !== "assistant") fail(`${where}.role must be user or assistant`);
    if (!Array.isArray(msg.content) || !everyBlock(msg.content)) fail(`${where}.content must be a list of text, reasoning, image, document, tool_use or tool_result parts`);
    if (!isIsoDate(msg.timestamp)) fail(`${where}.timestamp must be an ISO date`);
    if (msg.usage !== undefined) checkUsage(msg.usage, where);
    if (msg.status !== undefined && !STATUSES.has(msg.status as string)) fail(`${where}.status is invalid`);
  }
  checkUsage(o.usage, "conversation");
  if (!STATUSES.has(o.status as string)) fail("status must be complete, interrupted or error");
  if (o.source !== undefined) {
    const src = o.source as Record<string, unknown>;
    if (!isObj(src) || src.kind !== "amazon-q-cli" || typeof src.conversation_id !== "string" || typeof src.origin !== "string" || !isNonNegInt(src.message_count) || !isIsoDate(src.imported_at)) fail("source is invalid");
  }
  return v as Conversation;
}
