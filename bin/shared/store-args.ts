// Flags that pick and filter saved conversations, shared by redux-export's commands.
import type { ArgDef } from "citty";

export const filterArgs = {
  since: { type: "string", description: "only conversations updated since (ISO date, or a duration ago: 7d)", valueHint: "when" },
  until: { type: "string", description: "only conversations created until (ISO date, or a duration ago)", valueHint: "when" },
  model: { type: "string", description: "only conversations whose model contains this text", valueHint: "text" },
  status: { type: "string", description: "only conversations with this status: complete, interrupted, error", valueHint: "status" },
} as const satisfies Record<string, ArgDef>;

export const keyArgs = {
  "key-file": { type: "string", description: "decrypt encrypted conversations with the key in this file (also REDUX_ENCRYPTION_KEY)", valueHint: "path" },
} as const satisfies Record<string, ArgDef>;
