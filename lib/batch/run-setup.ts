// What a local batch run sets up before its first item: OUT (checked, locked, scanned, and opened only once every
// other check has passed), the per-region clients with their credentials checked, and which engine runs the items.
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { translateAwsError } from "../errors.ts";
import { fsError } from "../fs-errors.ts";
import { lockFile } from "../file-lock.ts";
import { bearerToken, type DebugLog } from "../aws/credentials.ts";
import { regionClients, type ClientFor } from "../bedrock/clients.ts";
import type { ModelRef } from "../bedrock/model-string.ts";
import type { BatchItem } from "./input.ts";
import { checkIsBatchOutput, openOutputFile, scanExisting, streamOutput, type BatchOutput } from "./output.ts";

/** The same file, through symlinks too: a result file that is the input would be compacted away. */
export function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** OUT must be a file (or not exist yet) in a directory that exists: said plainly before anything is locked. */
function checkOutputPath(path: string) {
  try {
    if (!statSync(dirname(path)).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    // OUT and its lock are written beside it: EACCES, EROFS
    accessSync(dirname(path), constants.W_OK);
  } catch (err) {
    throw fsError(err, path, "write the batch output");
  }
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fsError(err, path, "write the batch output");
  }
}

export interface RunOutput {
  out: BatchOutput;
  /** Lines removed from OUT (cut off by a crash, or repeats) and failed items tried again. */
  repaired: number;
  retrying: number;
  /** Frees OUT's lock (also on a second signal, when the process quits at once). */
  release(): void;
  /** Closes OUT, then frees its lock. */
  close(): Promise<void>;
}

/** The path with its symbolic links resolved, or as given when it does not exist yet. */
function realOrAsGiven(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * OUT for a run: a file (`output`), checked, locked and read; `beforeOpen` gets the ids already done and may still
 * refuse the run before OUT is created, repaired or compacted. Without `output`: `write` (stdout), nothing done yet.
 */
export async function openRunOutput(output: string | undefined, write: (s: string) => void, beforeOpen: (done: Set<string>) => Promise<void>): Promise<RunOutput> {
  if (!output) {
    await beforeOpen(new Set());
    const out = streamOutput(write);
    return { out, repaired: 0, retrying: 0, release() {}, close: () => out.close() };
  }
  // through a symbolic link, the file it names: one lock for every name of OUT, and a compaction replaces that file,
  // never the user's link
  const path = realOrAsGiven(resolve(output));
  checkOutputPath(path);
  const release = lockFile(path, { what: "batch output", hint: "wait for that run to finish (a re-run then resumes), or write to another -o file" });
  try {
    // read-only until everything that can refuse the run has been checked
    const existing = scanExisting(path);
    checkIsBatchOutput(output, existing);
    await beforeOpen(existing.done);
    const out = openOutputFile(path, existing);
    const close = async () => {
      try {
        await out.close();
      } finally {
        release();
      }
    };
    return { out, repaired: out.repaired, retrying: out.retrying, release, close };
  } catch (err) {
    release();
    throw err;
  }
}

interface BatchClients {
  clientFor: ClientFor;
  /** Resolves the credentials now (nothing to check when every item is done, or with a Bedrock API key). */
  checkCredentials(done: Set<string>): Promise<void>;
}

/**
 * One client per region and one credential chain, run in the region of the first item still to do (known once OUT
 * has been read, so the clients are made by checkCredentials).
 */
export function batchClients(o: { items: BatchItem[]; model?: ModelRef; profile?: string; endpoint?: string; timeoutMs: number; pool: number; debug?: DebugLog }): BatchClients {
  let clientFor: ClientFor | undefined;
  return {
    clientFor: (region) => clientFor!(region),
    async checkCredentials(done) {
      const first = o.items.find((it) => !done.has(it.id));
      const region = (first?.model ?? o.model ?? o.items[0]!.model!).region;
      clientFor = regionClients({ credentialRegion: region, profile: o.profile, endpoint: o.endpoint, timeoutMs: o.timeoutMs, maxAttempts: 1, pool: o.pool, debug: o.debug });
      if (!first || bearerToken() === "set") return;
      await (await clientFor(region)).config.credentials().catch((e: unknown) => {
        throw translateAwsError(e, { region, profile: o.profile });
      });
    },
  };
}

/** --engine auto: Bedrock when the items not yet ok reach a job's minimum, or when an earlier run left jobs to collect. */
export async function wantsBedrock(items: BatchItem[], out: BatchOutput, outPath: string): Promise<boolean> {
  const { JOB_MIN_RECORDS } = await import("./records.ts");
  const { readState, statePathFor, openJobs } = await import("./job-state.ts");
  const state = readState(statePathFor(outPath));
  if (state && openJobs(state).length) return true;
  return items.filter((it) => !out.done.has(it.id)).length >= JOB_MIN_RECORDS;
}
