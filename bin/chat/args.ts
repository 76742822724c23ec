// The flags of redux-chat itself (the one-shot prompt and the REPL).
import type { ArgDef } from "citty";
import { awsArgs, fallbackArgs, inferenceArgs, modelArgs, outputArgs, storeArgs } from "../shared/args.ts";

export const chatArgs = {
  ...modelArgs,
  ...fallbackArgs,
  ...inferenceArgs,
  ...awsArgs,
  ...storeArgs,
  resume: { type: "string", alias: "r", description: "continue a saved conversation (id or path)", valueHint: "id|path" },
  continue: { type: "boolean", alias: "c", description: "continue the most recent conversation" },
  ...outputArgs,
  prompt: { type: "positional", required: false, description: "the prompt (stdin, when piped, comes first)" },
} as const satisfies Record<string, ArgDef>;
