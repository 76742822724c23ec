// The one SIGINT/SIGTERM handler of chat and batch: the first signal asks the work to stop, a second one quits now.
import { ExitCode } from "../../lib/errors.ts";

/**
 * Calls `stop` on SIGINT or SIGTERM. A second signal quits at once with exit 130 (after `beforeQuit`), unless
 * `quitOnSecond` is false (then each signal calls `stop`). Returns the function that removes the handler.
 */
export function onInterrupt(stop: () => void, o: { beforeQuit?: () => void; quitOnSecond?: boolean } = {}): () => void {
  let signals = 0;
  const handler = () => {
    if (++signals > 1 && o.quitOnSecond !== false) {
      o.beforeQuit?.();
      process.exit(ExitCode.interrupted);
    }
    stop();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
