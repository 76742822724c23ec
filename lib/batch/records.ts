// Bedrock batch records: each item becomes one Converse-format record (`{"recordId","modelInput"}`, the body of a
// Converse request) with a generated alphanumeric recordId; items are checked against what the service would refuse
// (too few records, a record too large, a model batch cannot run) and split into jobs within the quotas.
import { toBedrockInference } from "../bedrock/runtime.ts";
import { featureFields, thinkingMaxTokens } from "../bedrock/features.ts";
import type { ModelRef } from "../bedrock/model-string.ts";
import type { InferenceConfig } from "../conversations/conversation.ts";
import { usageError } from "../errors.ts";
import type { BatchItem } from "./input.ts";

/** Default Bedrock quotas per model (Service Quotas, code `bedrock`): records per job, and per input file. */
export const JOB_MIN_RECORDS = 100;
const JOB_MAX_RECORDS = 50_000;
/** An input file may hold at most 1 GB; a job at most 5 GB (one file a job here). */
const JOB_MAX_BYTES = 1_000_000_000;
/** Larger than any text model's context: refused before upload rather than failing inside the job. */
const RECORD_MAX_BYTES = 1024 * 1024;

export interface BatchDefaults {
  model?: ModelRef;
  system?: string;
  inference: InferenceConfig;
}

/** `R` + the record's position in its job, zero-padded: alphanumeric, as the service documents. */
export const recordIdFor = (index: number) => `R${String(index).padStart(8, "0")}`;

/** The Converse request body of an item (what ConverseStream would send, minus the model id). */
export function modelInputFor(item: BatchItem, d: BatchDefaults) {
  const system = item.system ?? d.system;
  const merged = { ...d.inference, ...item.inference };
  const inference = toBedrockInference(merged);
  const room = thinkingMaxTokens(merged);
  if (room !== undefined) inference.maxTokens = room;
  // thinking and json_schema as ConverseStream sends them; a job is its own service tier
  const { serviceTier: _tier, ...features } = item.features ?? {};
  return {
    messages: [{ role: "user", content: [{ text: item.prompt }] }],
    ...(system ? { system: [{ text: system }] } : {}),
    ...(Object.keys(inference).length ? { inferenceConfig: inference } : {}),
    ...featureFields(merged, features),
  };
}

export const recordLine = (recordId: string, item: BatchItem, d: BatchDefaults) => `${JSON.stringify({ recordId, modelInput: modelInputFor(item, d) })}\n`;

// models a Converse batch job cannot run: embeddings, image/video/speech generators, rerankers, provisioned throughput
const UNSUPPORTED = /(^|[.:/])(stability\.|cohere\.embed|amazon\.titan-embed|amazon\.titan-image|amazon\.nova-canvas|amazon\.nova-reel|amazon\.nova-sonic|amazon\.rerank|cohere\.rerank|twelvelabs\.marengo)|embed-|:provisioned-model\//;

/** Refuses, before anything is uploaded, a model Bedrock batch inference cannot run with Converse records. */
export function checkBatchModel(m: ModelRef) {
  if (UNSUPPORTED.test(m.modelId)) {
    throw usageError(
      `${m.modelId} cannot run a Converse batch job (embedding, image, video, speech and rerank models and provisioned throughput are not supported)`,
      "use a text model or inference profile that supports batch inference in that region, or --engine local",
    );
  }
}

export interface PlannedJob {
  model: ModelRef;
  items: BatchItem[];
  bytes: number;
}

/**
 * Groups items by model and splits each group into jobs of at most JOB_MAX_RECORDS records and JOB_MAX_BYTES, as
 * evenly as possible so that every job keeps at least JOB_MIN_RECORDS. A group smaller than the minimum is returned
 * in `tooFew` (for the local engine, or an error).
 */
export function planJobs(items: BatchItem[], d: BatchDefaults, limits = { min: JOB_MIN_RECORDS, max: JOB_MAX_RECORDS, maxBytes: JOB_MAX_BYTES }): { jobs: PlannedJob[]; tooFew: BatchItem[] } {
  const groups = new Map<string, { model: ModelRef; items: BatchItem[]; sizes: number[] }>();
  for (const it of items) {
    const model = it.model ?? d.model!;
    checkBatchModel(model);
    if (it.attachments?.length || it.features?.serviceTier) {
      const what = it.attachments?.length ? "attachments" : "service_tier";
      throw usageError(`item ${JSON.stringify(it.id)} (line ${it.line}) has ${what}, which Bedrock batch records do not carry here`, what === "attachments" ? "run items with attachments with --engine local" : "drop service_tier (a batch job is its own tier, at the batch price), or use --engine local");
    }
    const size = Buffer.byteLength(recordLine(recordIdFor(0), it, d));
    if (size > RECORD_MAX_BYTES) {
      throw usageError(`item ${JSON.stringify(it.id)} (line ${it.line}) makes a record of ${size} bytes, more than a batch record may hold (${RECORD_MAX_BYTES} bytes)`, "shorten that prompt, or run it with --engine local");
    }
    let g = groups.get(model.model);
    if (!g) groups.set(model.model, (g = { model, items: [], sizes: [] }));
    g.items.push(it);
    g.sizes.push(size);
  }
  const jobs: PlannedJob[] = [];
  const tooFew: BatchItem[] = [];
  for (const g of groups.values()) {
    if (g.items.length < limits.min) {
      tooFew.push(...g.items);
      continue;
    }
    const total = g.sizes.reduce((a, b) => a + b, 0);
    let n = Math.max(Math.ceil(g.items.length / limits.max), Math.ceil(total / limits.maxBytes));
    n = Math.min(n, Math.floor(g.items.length / limits.min));
    // sizes differ by one at most: every job keeps at least floor(len / n) >= min records
    const base = Math.floor(g.items.length / n);
    const extra = g.items.length % n;
    for (let k = 0, i = 0; k < n; k++) {
      const end = i + base + (k < extra ? 1 : 0);
      jobs.push({ model: g.model, items: g.items.slice(i, end), bytes: g.sizes.slice(i, end).reduce((a, b) => a + b, 0) });
      i = end;
    }
  }
  return { jobs, tooFew };
}
