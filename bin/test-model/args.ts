// The flags of redux-test-model (one model's smoke test, or --all).
import type { ArgDef } from "citty";
import { awsArgs, fallbackArgs, modelArgs, outputArgs } from "../shared/args.ts";

export const testModelArgs = {
  ...modelArgs,
  fallback: { ...fallbackArgs.fallback, description: "also check this fallback model (repeatable; default: AMAZON_Q_FALLBACK_MODELS, then setting chat.fallbackModels)" },
  ...awsArgs,
  timeout: { ...awsArgs.timeout, description: "seconds each step, and the whole run, may take (default 30; with --all, each model's call)" },
  invoke: { type: "boolean", default: true, description: "call the model (--no-invoke: stop after the identity check)", negativeDescription: "stop after the identity check (no model call, no cost)" },
  all: { type: "boolean", description: "test every callable text model of the region at once (a 1-token call each; the list from redux-chat models' cache)" },
  concurrency: { type: "string", description: "with --all: models called at once (default 8)", valueHint: "n" },
  ...outputArgs,
  json: { ...outputArgs.json, description: "print one JSON object (schemas/test-model-output.schema.json); with --all, one array of them" },
} as const satisfies Record<string, ArgDef>;
