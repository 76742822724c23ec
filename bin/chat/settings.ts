// redux-chat settings [KEY [VALUE]] [--delete KEY]: list, print, set or delete a setting.
import { defineCommand } from "citty";
import { deleteSetting, getSetting, readSettings, setSetting, SETTINGS } from "../../lib/settings.ts";
import { usageError } from "../../lib/errors.ts";
import { outputArgs } from "../shared/args.ts";
import { createUi } from "../shared/ui.ts";
import { out } from "../shared/io.ts";

export default defineCommand({
  meta: { name: "settings", description: "Show or change settings: settings [KEY [VALUE]], --delete KEY" },
  args: {
    key: { type: "positional", required: false, description: `setting name: ${Object.keys(SETTINGS).join(", ")}` },
    value: { type: "positional", required: false, description: "new value" },
    delete: { type: "string", description: "remove a setting", valueHint: "key" },
    ...outputArgs,
    json: { ...outputArgs.json, description: "print JSON: every setting as one object (schemas/settings.schema.json); with KEY, its value (null when unset); with KEY VALUE, the value stored" },
  },
  run({ args }) {
    const ui = createUi({ quiet: args.quiet, debug: args.debug });
    if (args.delete) {
      if (args.key) throw usageError("--delete takes the key itself", "redux-chat settings --delete KEY");
      const removed = deleteSetting(args.delete);
      if (removed) ui.success(`deleted ${args.delete}`);
      else ui.info(`${args.delete} was not set`);
      return;
    }
    if (args.key && args.value !== undefined) {
      const next = setSetting(args.key, args.value);
      if (args.json) out(`${JSON.stringify(next[args.key])}\n`);
      ui.success(`${args.key} = ${JSON.stringify(next[args.key])}`);
      return;
    }
    if (args.key) {
      const v = getSetting(args.key);
      if (v === undefined) {
        if (args.json) out("null\n");
        else ui.info(`${args.key} is not set`);
        return;
      }
      out(args.json ? `${JSON.stringify(v)}\n` : `${v}\n`);
      return;
    }
    const all = readSettings();
    if (args.json) out(`${JSON.stringify(all)}\n`);
    else for (const [k, v] of Object.entries(all)) out(`${k}=${v}\n`);
  },
});
