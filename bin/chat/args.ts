// The flags of redux-chat itself (the one-shot prompt and the REPL).
import type { ArgDef } from "citty";
import { awsArgs, fallbackArgs, inferenceArgs, modelArgs, outputArgs, storeArgs } from "../shared/args.ts";

export const chatArgs = {
  ...modelArgs,
  ...fallbackArgs,
  ...inferenceArgs,
  ...awsArgs,
  ...storeArgs,
  attach: { type: "string", alias: "a", description: "send a file with the prompt: an image (png, jpeg, gif, webp) or a document (pdf, csv, doc, docx, xls, xlsx, html, txt, md); repeatable; - reads stdin", valueHint: "path" },
  "attach-type": { type: "string", description: "the type of an --attach - from stdin (png, pdf, ...)", valueHint: "type" },
  thinking: { type: "string", description: "extended thinking: a token budget (>= 1024) or adaptive (alone: the model's own, or 4096); off stops it; kept for later turns", valueHint: "budget|adaptive|off" },
  effort: { type: "string", description: "how hard an adaptive thinker works: low, medium or high", valueHint: "level" },
  cache: { type: "boolean", description: "prompt caching: cache points after the system prompt and the history" },
  "json-schema": { type: "string", description: "answer as JSON following this JSON Schema file (checked; a mismatch is exit 6)", valueHint: "file" },
  "service-tier": { type: "string", description: "default, priority or flex", valueHint: "tier" },
  latency: { type: "string", description: "optimized for latency-optimized inference (where the model has it)", valueHint: "optimized" },
  guardrail: { type: "string", description: "apply a guardrail: ID[:VERSION] (default version DRAFT)", valueHint: "id" },
  "request-metadata": { type: "string", description: "key=value recorded with the request (repeatable, up to 16)", valueHint: "k=v" },
  resume: { type: "string", alias: "r", description: "continue a saved conversation (id or path)", valueHint: "id|path" },
  continue: { type: "boolean", alias: "c", description: "continue the most recent conversation" },
  "auto-profile": { type: "boolean", description: "retry a model refused for on-demand throughput through its inference profile (default; setting chat.autoProfile)", negativeDescription: "never switch to an inference profile by itself" },
  usage: { type: "boolean", description: "after the answer, one line on stderr with its tokens and cost (setting chat.showUsage)" },
  "count-tokens": { type: "boolean", description: "print how many input tokens the prompt is (Bedrock CountTokens) instead of sending it" },
  ...outputArgs,
  json: { ...outputArgs.json, description: "print one JSON object instead of streaming text (schemas/chat-output.schema.json; with --count-tokens, schemas/count-tokens-output.schema.json)" },
  prompt: { type: "positional", required: false, description: "the prompt (stdin, when piped, comes first)" },
} as const satisfies Record<string, ArgDef>;
