// The state file of a Bedrock batch run, `OUT.bedrock.json` beside OUT: every job with its name, idempotency token,
// region, model, S3 locations and recordId → item id mapping, written atomically (0600) before the step it records
// happens. `status` and `cancel` work from it alone; a re-run attaches to the jobs it lists instead of submitting again.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { writeFileAtomic } from "../fs-atomic.ts";
import { ExitCode, ReduxError } from "../errors.ts";

type JobPhase =
  /** Recorded, input not (fully) uploaded: a re-run uploads again, then creates. */
  | "planned"
  /** Input uploaded: a re-run creates with the same clientRequestToken (no second job if the first create went through). */
  | "uploaded"
  /** Created (jobArn known): a re-run polls it. */
  | "submitted"
  /** Its results are in OUT; items without a line there are submitted again by a later run. */
  | "collected";

export interface JobEntry {
  name: string;
  clientRequestToken: string;
  region: string;
  /** The model string (`custom:<region>:<id>`) and the id sent to Bedrock. */
  model: string;
  modelId: string;
  inputUri: string;
  /** Prefix the service writes `{jobId}/…jsonl.out` and `manifest.json.out` under. */
  outputUri: string;
  recordCount: number;
  /** recordId → item id. */
  records: Record<string, string>;
  phase: JobPhase;
  jobArn?: string;
  /** Last status seen from GetModelInvocationJob, and its message. */
  status?: string;
  message?: string;
  counts?: { processed: number; ok: number; failed: number };
  /** The job's manifest.json.out, read when it was collected. */
  manifest?: { totalRecordCount?: number; processedRecordCount?: number; successRecordCount?: number; errorRecordCount?: number; inputTokenCount?: number; outputTokenCount?: number };
  createdAt: string;
  collectedAt?: string;
}

/** The state file (schemas/batch-state.schema.json). */
export interface BatchState {
  version: 1;
  engine: "bedrock-batch";
  /** OUT, as an absolute path. */
  output: string;
  s3: string;
  roleArn: string;
  jobs: JobEntry[];
}

export const statePathFor = (out: string) => `${out}.bedrock.json`;

export const jobIdOf = (arn: string) => arn.split("/").pop()!;

export function readState(path: string): BatchState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ReduxError(ExitCode.usage, `cannot read ${path}: ${(err as Error).message}`);
  }
  let v: BatchState;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new ReduxError(ExitCode.usage, `${path} is not valid JSON: ${(err as Error).message}`, "it is written atomically, so something else changed it; move it away only if no job it lists is still running");
  }
  if (v?.version !== 1 || v.engine !== "bedrock-batch" || !Array.isArray(v.jobs)) {
    throw new ReduxError(ExitCode.usage, `${path} is not a redux Bedrock batch state file`, "move it away, or pass another -o");
  }
  return v;
}

export const writeState = (path: string, s: BatchState) => writeFileAtomic(path, `${JSON.stringify(s)}\n`);

/** A name both unique and valid as a job name and a clientRequestToken: `redux-20261130t051200-1a2b3c-1`. */
export function newRunTag(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").toLowerCase();
  return `redux-${t}-${randomBytes(3).toString("hex")}`;
}

export const openJobs = (s: BatchState) => s.jobs.filter((j) => j.phase !== "collected");
