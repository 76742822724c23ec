// The interactive REPL: placeholder until the conversations issue lands.
import { ReduxError, ExitCode } from "../../lib/errors.ts";
import type { Session } from "../../lib/session.ts";
import type { Ui } from "../shared/ui.ts";

export async function repl(_session: Session, _ui: Ui) {
  throw new ReduxError(ExitCode.usage, "the interactive chat is not available in this version", 'pass a prompt: redux-chat -m MODEL "hello"');
}
