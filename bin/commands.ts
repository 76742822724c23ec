// Every command of redux, each a defineCommand module loaded only when it runs (as nuxt/cli's commands/index.ts).
// The one list of commands and subcommands: their descriptions live in each module's `meta`; the executables,
// scripts/build.ts (help rendered at build time), the completion script and the CLI tests read this map.
import type { CommandDef } from "citty";

type Loader = () => Promise<CommandDef<any>>;
const load = (m: Promise<{ default: unknown }>) => m.then((m) => m.default as CommandDef<any>);

/** The executables, by the name a release installs them under. */
export const commands = {
  "redux-chat": () => load(import("./redux-chat.ts")),
  "redux-test-model": () => load(import("./redux-test-model.ts")),
  "redux-export": () => load(import("./redux-export.ts")),
} as const satisfies Record<string, Loader>;

/** The subcommands of each command, keyed by the command's path (`redux-chat batch`). */
export const subCommands: Record<"redux-chat" | "redux-chat batch" | "redux-test-model" | "redux-export", Record<string, Loader>> = {
  "redux-chat": {
    settings: () => load(import("./chat/settings.ts")),
    batch: () => load(import("./chat/batch.ts")),
    models: () => load(import("./chat/models.ts")),
    completion: () => load(import("./chat/completion.ts")),
    prices: () => load(import("./chat/prices.ts")),
  },
  "redux-chat batch": {
    status: () => import("./chat/batch-jobs.ts").then((m): CommandDef<any> => m.status),
    cancel: () => import("./chat/batch-jobs.ts").then((m): CommandDef<any> => m.cancel),
  },
  "redux-test-model": {},
  "redux-export": {
    list: () => load(import("./export/list.ts")),
    prune: () => load(import("./export/prune.ts")),
    import: () => load(import("./export/import.ts")),
    usage: () => load(import("./export/usage.ts")),
  },
};
