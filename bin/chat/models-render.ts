// What `redux-chat models` prints when piped, and its order: kept apart from the command so the warm path
// (models-fast.ts) can print it without loading the argument parser or the person-facing UI.
import type { ModelRow } from "../../lib/bedrock/discovery.ts";

const KIND_ORDER = ["foundation-model", "system-profile", "application-profile", "provisioned", "custom", "imported"];

const TSV_FIELDS = ["model", "region", "kind", "provider", "name", "input", "output", "streaming", "invocation", "profile", "lifecycle", "end_of_life", "access"] as const;
const tsvCell = (v: unknown) => (v === null || v === undefined ? "" : String(v).replace(/[\t\r\n]+/g, " "));

export function renderTsv(rows: ModelRow[]): string {
  const lines = [TSV_FIELDS.join("\t")];
  for (const r of rows) {
    const v = { ...r, input: r.input_modalities.join(","), output: r.output_modalities.join(","), streaming: r.streaming === null ? "" : r.streaming ? "yes" : "no" };
    lines.push(TSV_FIELDS.map((f) => tsvCell((v as Record<string, unknown>)[f])).join("\t"));
  }
  return `${lines.join("\n")}\n`;
}

// plain code-point order: localeCompare would load ICU's collator, which costs more than the rest of a warm run
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const byKind = (a: ModelRow, b: ModelRow) =>
  cmp(a.region, b.region) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || cmp(a.provider ?? "~", b.provider ?? "~") || cmp(a.id, b.id);

