// Status and cancel for the Bedrock batch jobs a state file records (redux-chat batch status|cancel OUT).
import type { DebugLog } from "../aws/credentials.ts";
import { createControlPlaneClient } from "../bedrock/control-plane.ts";
import { translateAwsError } from "../errors.ts";
import { jobIdOf, type BatchState } from "./job-state.ts";

/** One row of `batch status --json` (schemas/batch-status.schema.json). */
export interface JobStatusRow {
  name: string;
  job_id?: string;
  model: string;
  region: string;
  /** The service's state, or redux's own phase for a job not created yet (`planned`, `uploaded`). */
  status: string;
  collected: boolean;
  message?: string;
  total?: number;
  processed?: number;
  ok?: number;
  failed?: number;
  input_uri: string;
  output_uri: string;
}

interface Opts {
  profile?: string;
  timeoutMs: number;
  debug?: DebugLog;
}

function clientFor(o: Opts) {
  const clients = new Map<string, ReturnType<typeof createControlPlaneClient>>();
  return (region: string) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = createControlPlaneClient({ region, profile: o.profile, timeoutMs: o.timeoutMs, debug: o.debug })));
    return c;
  };
}

export async function jobStatuses(state: BatchState, o: Opts): Promise<JobStatusRow[]> {
  const { GetModelInvocationJobCommand } = await import("../bedrock/control-plane-sdk.ts");
  const client = clientFor(o);
  const rows: JobStatusRow[] = [];
  for (const j of state.jobs) {
    const row: JobStatusRow = { name: j.name, model: j.model, region: j.region, status: j.status ?? j.phase, collected: j.phase === "collected", input_uri: j.inputUri, output_uri: j.outputUri, total: j.recordCount };
    if (j.jobArn) {
      row.job_id = jobIdOf(j.jobArn);
      try {
        const got = await (await client(j.region)).send(new GetModelInvocationJobCommand({ jobIdentifier: j.jobArn }));
        row.status = got.status ?? row.status;
        if (got.message) row.message = got.message;
        if (got.totalRecordCount !== undefined) row.total = got.totalRecordCount;
        row.processed = got.processedRecordCount;
        row.ok = got.successRecordCount;
        row.failed = got.errorRecordCount;
      } catch (err) {
        throw translateAwsError(err, { region: j.region, action: "bedrock:GetModelInvocationJob" });
      }
    }
    rows.push(row);
  }
  return rows;
}

/** Stops every recorded job that is still running; returns the ids stopped and those already finished. */
export async function cancelJobs(state: BatchState, o: Opts): Promise<{ stopped: string[]; finished: string[] }> {
  const { GetModelInvocationJobCommand, StopModelInvocationJobCommand } = await import("../bedrock/control-plane-sdk.ts");
  const client = clientFor(o);
  const stopped: string[] = [];
  const finished: string[] = [];
  for (const j of state.jobs) {
    if (!j.jobArn || j.phase === "collected") continue;
    const c = await client(j.region);
    const id = jobIdOf(j.jobArn);
    try {
      const got = await c.send(new GetModelInvocationJobCommand({ jobIdentifier: j.jobArn }));
      if (["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired", "Stopping"].includes(got.status ?? "")) {
        finished.push(id);
        continue;
      }
      await c.send(new StopModelInvocationJobCommand({ jobIdentifier: j.jobArn }));
      stopped.push(id);
    } catch (err) {
      throw translateAwsError(err, { region: j.region, action: "bedrock:StopModelInvocationJob" });
    }
  }
  return { stopped, finished };
}
