// redux-chat batch: placeholder until the batch issue lands (it only answers --help).
import { defineCommand } from "citty";
import { ReduxError, ExitCode } from "../../lib/errors.ts";

export default defineCommand({
  meta: { name: "batch", description: "Run a file of prompts (not built yet)" },
  run() {
    throw new ReduxError(ExitCode.usage, "redux-chat batch is not available in this version");
  },
});
