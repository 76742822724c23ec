// What a person is told about the model a turn calls, on stderr: one warning for a LEGACY model (from the cache, else
// a lookup that runs beside the turn and is waited for briefly after an answer), and one line when a refused id was
// retried through its inference profile, with the id to use next time.
import { fetchLifecycle, knownLifecycle, legacyWarning, lifecycleReachable } from "../../lib/bedrock/lifecycle.ts";
import type { Ui } from "../shared/ui.ts";

/** How long a finished answer waits for a lifecycle lookup still under way (it is cached for next time either way). */
const SETTLE_MS = 1500;

export function modelNotes(ui: Ui, o: { profile?: string; endpoint?: string }) {
  const warned = new Set<string>();
  const warn = (model: string, l: Parameters<typeof legacyWarning>[1]) => {
    const w = legacyWarning(model, l);
    if (w && !warned.has(model)) {
      warned.add(model);
      ui.warn(w);
    }
  };
  return {
    /** Before a turn: warns now when the cache knows, else starts the lookup; `settle` after the turn. */
    begin(c: { region: string; model_id: string; model: string }) {
      const { region, model_id: modelId, model } = c;
      if (warned.has(model)) return { settle: async () => {} };
      const known = knownLifecycle(region, modelId);
      if (known) {
        warn(model, known);
        return { settle: async () => {} };
      }
      const debug = ui.debugEnabled ? (l: string) => ui.debug(l) : undefined;
      if (!lifecycleReachable(o.endpoint)) {
        debug?.("lifecycle lookup skipped: the runtime endpoint is set and the control plane's (AWS_ENDPOINT_URL_BEDROCK) is not");
        return { settle: async () => {} };
      }
      const pending = fetchLifecycle(region, modelId, { profile: o.profile, timeoutMs: 5000, debug }).catch(() => undefined);
      return {
        async settle(answered: boolean) {
          if (!answered) return;
          let timer: ReturnType<typeof setTimeout> | undefined;
          const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), SETTLE_MS)));
          warn(model, await Promise.race([pending, late]));
          clearTimeout(timer);
        },
      };
    },
    /** The line for a turn retried through an inference profile. */
    autoProfile(before?: () => void) {
      return (from: { region: string; modelId: string }, profileId: string) => {
        before?.();
        ui.info(`${from.modelId} cannot be called on demand in ${from.region}; retrying through the inference profile ${profileId} (next time: -m custom:${from.region}:${profileId})`);
      };
    },
  };
}
