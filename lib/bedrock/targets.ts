// The ordered targets of a turn: the chosen model first, then the fallbacks from --fallback (repeatable),
// AMAZON_Q_FALLBACK_MODELS or the setting chat.fallbackModels (comma-separated), in that precedence. Every fallback is
// validated up front, so a malformed one is exit 2 before anything is sent.
import { ReduxError, ExitCode } from "../errors.ts";
import { parseModelString, type ModelRef } from "./model-string.ts";

export interface Target extends ModelRef {
  /** The model the user chose (-m, the conversation, the item): a wrong id there stays an error, never a fallback. */
  primary: boolean;
}

const MAX_FALLBACKS = 10;

interface FallbackSources {
  /** Every --fallback given, in order. */
  flags?: string[];
  env?: NodeJS.ProcessEnv;
  /** The setting chat.fallbackModels (one comma-separated string). */
  setting?: string;
  /** For a bare model id in a --fallback (as for -m). */
  defaultRegion?: string;
}

/** Splits `a,b,c`; an empty entry (`a,,b`, a trailing comma) is malformed, not skipped. */
export function splitModelList(value: string, source: string): string[] {
  if (value.trim() === "") return [];
  const parts = value.split(",").map((s) => s.trim());
  const empty = parts.findIndex((s) => s === "");
  if (empty >= 0) throw new ReduxError(ExitCode.usage, `${source} has an empty entry (position ${empty + 1})`, "separate model strings with single commas: custom:us-west-2:…,custom:eu-west-1:…");
  return parts;
}

/** The fallback models and where they came from; [] when none is configured. An empty AMAZON_Q_FALLBACK_MODELS means none. */
export function chooseFallbacks(src: FallbackSources): { models: ModelRef[]; source?: string } {
  const env = src.env ?? process.env;
  let raw: string[];
  let source: string;
  if (src.flags?.length) {
    raw = src.flags;
    source = "--fallback";
  } else if (env.AMAZON_Q_FALLBACK_MODELS !== undefined) {
    source = "AMAZON_Q_FALLBACK_MODELS";
    raw = splitModelList(env.AMAZON_Q_FALLBACK_MODELS, source);
  } else if (src.setting) {
    source = "chat.fallbackModels";
    raw = splitModelList(src.setting, source);
  } else return { models: [] };
  if (raw.length > MAX_FALLBACKS) throw new ReduxError(ExitCode.usage, `${source} names ${raw.length} fallbacks; at most ${MAX_FALLBACKS}`);
  const models = raw.map((value) => {
    try {
      // only --fallback takes a bare id (like -m); a list in the environment or a setting must say its region
      return parseModelString(value, source === "--fallback" ? src.defaultRegion : undefined);
    } catch (err) {
      const e = err as ReduxError;
      throw new ReduxError(ExitCode.usage, `invalid fallback model ${JSON.stringify(value)} (from ${source}): ${e.message}`, e.hint);
    }
  });
  return { models, source };
}

/** [primary, ...fallbacks], without repeats (a fallback equal to the primary, or listed twice, is tried once). */
export function targetList(primary: ModelRef, fallbacks: ModelRef[]): Target[] {
  const seen = new Set<string>([primary.model]);
  const out: Target[] = [{ ...primary, primary: true }];
  for (const f of fallbacks) {
    if (seen.has(f.model)) continue;
    seen.add(f.model);
    out.push({ ...f, primary: false });
  }
  return out;
}

/** The value stored for chat.fallbackModels: each entry validated and written in its canonical form. */
export function parseFallbackSetting(value: string): string {
  const list = splitModelList(value, "chat.fallbackModels");
  if (list.length > MAX_FALLBACKS) throw new ReduxError(ExitCode.usage, `chat.fallbackModels names ${list.length} fallbacks; at most ${MAX_FALLBACKS}`);
  return list
    .map((v) => {
      if (!v.startsWith("custom:")) throw new ReduxError(ExitCode.usage, `chat.fallbackModels entries must be custom: model strings, got ${JSON.stringify(v)}`, "e.g. custom:us-west-2:us.anthropic.claude-3-5-sonnet-20241022-v2:0");
      return parseModelString(v).model;
    })
    .join(",");
}
