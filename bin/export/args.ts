// The flags of redux-export itself (one conversation, or --all, to stdout or files).
import type { ArgDef } from "citty";
import { filterArgs, keyArgs, outputArgs } from "../shared/args.ts";

export const exportArgs = {
  format: { type: "string", alias: "f", description: "json, jsonl, md, html or txt (default md)", valueHint: "format" },
  output: { type: "string", alias: "o", description: "write to this file (with --all: this directory) instead of stdout", valueHint: "path" },
  all: { type: "boolean", description: "export every conversation that matches the filters" },
  last: { type: "boolean", description: "export the most recently updated conversation" },
  ...filterArgs,
  ...keyArgs,
  // no --json: an export prints the chosen format (-f json for the file itself)
  quiet: outputArgs.quiet,
  debug: outputArgs.debug,
  conversation: { type: "positional", required: false, description: "conversation id (or its first 8+ characters) or a file path" },
} as const satisfies Record<string, ArgDef>;
