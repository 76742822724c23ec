// Argument sets shared by the executables, defined once and spread into each command.
import type { ArgDef } from "citty";

export const awsArgs = {
  profile: { type: "string", description: "AWS profile from ~/.aws/config (default: AWS_PROFILE, then default)", valueHint: "name" },
  region: { type: "string", description: "AWS region for a bare model id (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, then EC2 metadata)", valueHint: "region" },
  "endpoint-url": { type: "string", description: "send Bedrock Runtime requests to this URL (also AWS_ENDPOINT_URL_BEDROCK_RUNTIME); not the control plane, which follows AWS_ENDPOINT_URL_BEDROCK", valueHint: "url" },
  timeout: { type: "string", description: "seconds to wait for the first answer event and between events (default 60)", valueHint: "seconds" },
} as const satisfies Record<string, ArgDef>;

export const modelArgs = {
  model: { type: "string", alias: "m", description: "model: custom:<region>:<model-id> (default: AMAZON_Q_MODEL, then setting chat.defaultModel)", valueHint: "model" },
} as const satisfies Record<string, ArgDef>;

/** Read with repeated(rawArgs, "fallback"): citty keeps only the last value. */
export const fallbackArgs = {
  fallback: { type: "string", description: "try this model when the chosen one cannot answer (repeatable, in order; default: AMAZON_Q_FALLBACK_MODELS, then setting chat.fallbackModels)", valueHint: "model" },
} as const satisfies Record<string, ArgDef>;

export const outputArgs = {
  json: { type: "boolean", description: "print one JSON object on stdout" },
  quiet: { type: "boolean", alias: "q", description: "print nothing on stderr but errors" },
  debug: { type: "boolean", description: "trace requests and credential lookups on stderr (secrets redacted)" },
} as const satisfies Record<string, ArgDef>;

export const inferenceArgs = {
  system: { type: "string", alias: "s", description: "system prompt", valueHint: "text" },
  temperature: { type: "string", description: "sampling temperature, 0 to 1", valueHint: "n" },
  "top-p": { type: "string", description: "nucleus sampling, 0 to 1", valueHint: "n" },
  "max-tokens": { type: "string", description: "largest answer, in tokens", valueHint: "n" },
  stop: { type: "string", description: "stop sequence (repeatable)", valueHint: "text" },
} as const satisfies Record<string, ArgDef>;

/** The conversation key, for every command that reads or writes saved conversations. */
export const keyArgs = {
  "key-file": { type: "string", description: "encrypt/decrypt conversations with the 32-byte key in this file (also REDUX_ENCRYPTION_KEY)", valueHint: "path" },
} as const satisfies Record<string, ArgDef>;

export const storeArgs = {
  save: { type: "boolean", default: true, description: "save the conversation (--no-save to skip)", negativeDescription: "do not save the conversation" },
  ...keyArgs,
} as const satisfies Record<string, ArgDef>;

/** Flags that pick and filter saved conversations (redux-export and its list). */
export const filterArgs = {
  since: { type: "string", description: "only conversations updated since (ISO date, or a duration ago: 7d)", valueHint: "when" },
  until: { type: "string", description: "only conversations created until (ISO date, or a duration ago)", valueHint: "when" },
  model: { type: "string", description: "only conversations whose model contains this text", valueHint: "text" },
  status: { type: "string", description: "only conversations with this status: complete, interrupted, error", valueHint: "status" },
} as const satisfies Record<string, ArgDef>;
