// Batch output: one JSON line per item. A file OUT is the batch's record. On start it is scanned as a stream and
// repaired (a torn last line from a kill -9 is cut off) and compacted (only `ok` lines stay in place; earlier `error`
// lines are held back and retried), so every id appears at most once at any moment. Each result is then appended with
// a single write() on an O_APPEND descriptor and made durable by an fsync that runs off the event loop once a second
// (one at a time, covering every line written before it started); the last fsync runs at close.
import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import type { Usage } from "../conversations/conversation.ts";
import type { FailedAttempt } from "../bedrock/failover.ts";
import { commitTemp, openTempBeside } from "../fs-atomic.ts";
import { fsError } from "../fs-errors.ts";
import type { Cost } from "../bedrock/prices.ts";
import { ReduxError, ExitCode } from "../errors.ts";

/** One output line (schemas/batch-output.schema.json). */
export interface BatchOutputLine {
  id: string;
  status: "ok" | "error";
  text: string;
  usage: Usage;
  cost: Cost;
  latency_ms: number;
  attempts: number;
  /** The target that answered (with fallbacks, perhaps not the item's model), or the last one tried. */
  model: string;
  region?: string;
  model_id?: string;
  /** Targets that failed before it. */
  failed_attempts?: FailedAttempt[];
  stop_reason?: string;
  error?: { class: string; code: number; message: string };
  /** Set by the Bedrock batch engine: which engine answered, and the job that did. */
  engine?: "bedrock-batch";
  job_id?: string;
}

export interface BatchOutput {
  /** Ids already recorded `ok` by an earlier run: skipped. */
  done: Set<string>;
  write(line: BatchOutputLine): void;
  /** Resolves once every line written so far is on disk. */
  sync?(): Promise<void>;
  /** Flushes and closes; a file OUT first gets back the earlier error lines of ids this run did not redo. */
  close(): Promise<void>;
}

interface FileOutput extends BatchOutput {
  /** Earlier `error` lines: their ids are retried. */
  retrying: number;
  /** Lines thrown away: cut off by a crash, not JSON, or a repeat of an id already ok. */
  repaired: number;
}

/** What a scan of an existing OUT found. */
interface ExistingOutput {
  done: Set<string>;
  /** The last `error` line of each id not ok, by id: retried this run, put back at close if not redone. */
  errors: Map<string, string>;
  repaired: number;
  /** Byte length of the complete lines; anything after it is a torn last line. */
  completeBytes: number;
  /** True when some complete line must go (an error, a duplicate, junk): OUT is rewritten, not just truncated. */
  rewrite: boolean;
  /** The first line (1-based) that no batch run writes: not a result line, nor the torn start of one. Such a file is
   * not a batch output, and is never repaired or compacted. */
  foreignLine?: number;
}

const CHUNK = 1 << 20;
/** How often appended lines are fsynced (the README says "synced every second"). */
const SYNC_EVERY_MS = 1000;

/** Calls `onLine` for every newline-terminated line of an open file, reading 1 MiB at a time; returns the bytes read. */
function scanLines(fd: number, onLine: (line: string) => void): { complete: number; total: number; tail: string } {
  let pos = 0;
  let complete = 0;
  let carry: Buffer = Buffer.alloc(0);
  const buf = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    pos += n;
    const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      onLine(data.toString("utf8", start, nl));
      complete += nl + 1 - start;
      start = nl + 1;
    }
    // copied: `data` may be the reused read buffer
    carry = Buffer.from(data.subarray(start));
  }
  return { complete, total: pos, tail: carry.toString("utf8", 0, Math.min(carry.length, 16)) };
}

/** Classifies the lines of an existing OUT (see ExistingOutput); a missing file is an empty one. */
export function scanExisting(path: string): ExistingOutput {
  const done = new Set<string>();
  const errors = new Map<string, string>();
  let repaired = 0;
  let rewrite = false;
  let foreignLine: number | undefined;
  let lineNo = 0;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { done, errors, repaired, completeBytes: 0, rewrite };
    throw fsError(err, path, "read the batch output");
  }
  try {
    const { complete, total, tail } = scanLines(fd, (l) => {
      lineNo++;
      if (!l.trim()) {
        rewrite = true;
        return;
      }
      let v: Partial<BatchOutputLine> | undefined;
      try {
        v = JSON.parse(l);
      } catch {
        v = undefined;
      }
      const id = v && typeof v === "object" && typeof v.id === "string" ? v.id : undefined;
      if (id !== undefined && v!.status === "ok" && !done.has(id)) {
        done.add(id);
        errors.delete(id);
      } else if (id !== undefined && v!.status === "error" && !done.has(id)) {
        errors.set(id, l);
        rewrite = true;
      } else {
        if (!(id !== undefined && (v!.status === "ok" || v!.status === "error"))) foreignLine ??= lineNo;
        repaired++;
        rewrite = true;
      }
    });
    if (total > complete) {
      repaired++;
      // a line cut off by a crash is the start of a JSON object; anything else was never written by a batch run
      if (!tail.startsWith('{"')) foreignLine ??= lineNo + 1;
    }
    return { done, errors, repaired, completeBytes: complete, rewrite, ...(foreignLine ? { foreignLine } : {}) };
  } finally {
    closeSync(fd);
  }
}

/** Rewrites OUT with only its first `ok` line per id, through a temp file, fsync and rename (a crash keeps the old one). */
function compact(path: string) {
  const src = openSync(path, "r");
  let temp: ReturnType<typeof openTempBeside>;
  try {
    // the rewritten file keeps the mode and owner of the one it replaces
    temp = openTempBeside(path, { mode: "umask", like: fstatSync(src) });
  } catch (err) {
    closeSync(src);
    throw err;
  }
  const { tmp, fd: dst } = temp;
  commitTemp(path, tmp, dst, () => {
    try {
      const seen = new Set<string>();
      let pending: string[] = [];
      let size = 0;
      const flush = () => {
        if (!pending.length) return;
        const b = Buffer.from(pending.join(""));
        let off = 0;
        while (off < b.length) off += writeSync(dst, b, off, b.length - off);
        pending = [];
        size = 0;
      };
      scanLines(src, (l) => {
        let v: Partial<BatchOutputLine> | undefined;
        try {
          v = JSON.parse(l);
        } catch {
          return;
        }
        if (!v || typeof v.id !== "string" || v.status !== "ok" || seen.has(v.id)) return;
        seen.add(v.id);
        pending.push(`${l}\n`);
        size += l.length;
        if (size > CHUNK) flush();
      });
      flush();
    } finally {
      closeSync(src);
    }
  });
}

const writeError = (path: string, err: unknown) => {
  const e = fsError(err, path, "write");
  // the cause is the disk or the path, not the items: say that a re-run is safe
  return new ReduxError(e.code, e.message, `${e.hint}; a re-run resumes where this one stopped`, { cause: err });
};

/** Refuses a file that is not a batch output (see ExistingOutput.foreignLine): it is never repaired or compacted. */
export function checkIsBatchOutput(path: string, existing: ExistingOutput) {
  if (existing.foreignLine === undefined) return;
  throw new ReduxError(
    ExitCode.usage,
    `${path} is not a batch output file (line ${existing.foreignLine} is not a result line); it was left as it is`,
    "-o names the results file, which a re-run repairs and compacts: give a new file or the -o of an earlier batch run",
  );
}

/**
 * Opens OUT for a run: repaired and compacted first (see the top of this module), the caller holding its lock.
 * `existing` is the scan of OUT the caller already made (scanExisting); a file that is not a batch output is refused.
 * A new OUT follows the umask, like a shell redirection; an existing one keeps its mode.
 */
export function openOutputFile(path: string, existing: ExistingOutput = scanExisting(path)): FileOutput {
  checkIsBatchOutput(path, existing);
  repair(path, existing);
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, "a", 0o666);
    size = fstatSync(fd).size;
  } catch (err) {
    throw writeError(path, err);
  }
  /** A write failed (the disk is full): nothing more is appended, and what reached the file stays whole. */
  let broken = false;
  const carried = existing.errors;
  let closed = false;
  const syncer = syncEverySecond(fd);
  const append = (s: string) => {
    if (broken) throw writeError(path, new Error("an earlier write failed"));
    const b = Buffer.from(s);
    // one write() for the whole line: a kill -9 leaves whole lines or a torn last one, which the next run cuts off
    let off = 0;
    try {
      while (off < b.length) off += writeSync(fd, b, off, b.length - off);
      size += b.length;
    } catch (err) {
      broken = true;
      // a line written in part (ENOSPC) is cut off again, so OUT holds only whole lines
      try {
        ftruncateSync(fd, size);
      } catch {
        // the next run cuts off a torn line anyway
      }
      throw writeError(path, err);
    }
  };
  return {
    done: existing.done,
    retrying: carried.size,
    repaired: existing.repaired,
    write(line) {
      // a background fsync that failed (EIO, or a quota only reported at fsync) stops the run: lines after it might not last
      if (syncer.failure) throw writeError(path, syncer.failure);
      append(`${JSON.stringify(line)}\n`);
      carried.delete(line.id);
      syncer.soon();
    },
    async sync() {
      if (closed) return;
      await syncer.settle();
      // an fsync error is reported once: the background one may have taken it, so it counts here too
      if (syncer.failure) throw writeError(path, syncer.failure);
      try {
        fsyncSync(fd);
      } catch (err) {
        throw writeError(path, err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      syncer.stop();
      let failure: unknown;
      try {
        // ids that failed before and were not redone this run (a budget, a signal) keep their error line; after a
        // failed write they are simply retried by the next run
        if (!broken) for (const l of carried.values()) append(`${l}\n`);
      } catch (err) {
        failure = err;
      }
      carried.clear();
      await syncAndClose(path, fd, syncer, failure);
    },
  };
}

/** The last fsync and the close of OUT, whatever went wrong before (`failure`); then the first failure is thrown. */
async function syncAndClose(path: string, fd: number, syncer: ReturnType<typeof syncEverySecond>, failure?: unknown) {
  await syncer.settle();
  try {
    fsyncSync(fd);
  } catch (err) {
    failure ??= writeError(path, err);
  } finally {
    closeSync(fd);
  }
  if (failure) throw failure;
  if (syncer.failure) throw writeError(path, syncer.failure);
}

/** What the scan found wrong with OUT, put right before anything is appended: compacted, or a torn last line cut off. */
function repair(path: string, existing: ExistingOutput) {
  try {
    if (existing.rewrite) compact(path);
    else if (existing.repaired) {
      // only a torn last line: cut it off in place
      const fd = openSync(path, "r+");
      try {
        ftruncateSync(fd, existing.completeBytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    throw writeError(path, err);
  }
}

/**
 * Lines are synced once a second, not one fsync per line: at hundreds of lines a second those were a tenth of a
 * millisecond of CPU each, and a crash costs at most the last second's lines, which a re-run redoes. The fsync runs
 * off the event loop, one at a time.
 */
function syncEverySecond(fd: number) {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The fsync under way, if any: every caller of settle() waits for the same one. */
  let running: Promise<void> | undefined;
  let failure: Error | undefined;
  const flush = () => {
    timer = undefined;
    if (stopped) return;
    // one at a time: an fsync slower than the second (NFS, heavy writeback) is followed, not overlapped
    if (running) return void running.then(() => syncer.soon());
    running = new Promise<void>((done) =>
      fsync(fd, (err) => {
        if (err) failure ??= err;
        running = undefined;
        done();
      }),
    );
  };
  const syncer = {
    /** A sync within the second. */
    soon() {
      timer ??= setTimeout(flush, SYNC_EVERY_MS);
      timer.unref?.();
    },
    /** No more background syncs (the file is closing). */
    stop() {
      stopped = true;
    },
    /** Cancels the pending sync and waits for the one running: the caller then syncs itself. */
    async settle() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
    /** The first background fsync that failed. */
    get failure() {
      return failure;
    },
  };
  return syncer;
}

/** Results as lines through `write` (stdout): nothing to resume from. */
export const streamOutput = (write: (s: string) => void): BatchOutput => ({
  done: new Set(),
  write: (line) => write(`${JSON.stringify(line)}\n`),
  async sync() {},
  async close() {},
});
