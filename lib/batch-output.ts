// Batch output: one JSON line per item. A file OUT is the batch's record: on start it is repaired (a torn last line
// from a kill -9 is dropped) and compacted (only `ok` lines stay, so retried ids end up exactly once), then each
// result is appended with a single write; fsync runs every second and at the end.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import type { Usage } from "./conversation.ts";
import { writeFileAtomic } from "./fs-atomic.ts";
import { ReduxError, ExitCode } from "./errors.ts";

/** One output line (schemas/batch-output.schema.json). */
export interface BatchOutputLine {
  id: string;
  status: "ok" | "error";
  text: string;
  usage: Usage;
  latency_ms: number;
  attempts: number;
  model: string;
  stop_reason?: string;
  error?: { class: string; code: number; message: string };
}

export interface BatchOutput {
  /** Ids already recorded `ok` by an earlier run: skipped. */
  done: Set<string>;
  write(line: BatchOutputLine): void;
  close(): void;
}

/** Parses an existing OUT: the `ok` lines by id, and how many lines were dropped (torn, invalid, or to be retried). */
export function readExisting(text: string): { keep: string[]; done: Set<string>; dropped: number } {
  const keep: string[] = [];
  const done = new Set<string>();
  let dropped = 0;
  const lines = text.split("\n");
  // no trailing newline: the last line was cut off mid-write
  if (lines.at(-1) !== "") {
    if (lines.at(-1)!.trim()) dropped++;
    lines.pop();
  } else lines.pop();
  for (const l of lines) {
    if (!l.trim()) continue;
    let v: Partial<BatchOutputLine> | undefined;
    try {
      v = JSON.parse(l);
    } catch {
      v = undefined;
    }
    if (v && typeof v.id === "string" && v.status === "ok" && !done.has(v.id)) {
      done.add(v.id);
      keep.push(l);
    } else dropped++;
  }
  return { keep, done, dropped };
}

export function openOutputFile(path: string): BatchOutput & { dropped: number } {
  let existing = "";
  try {
    existing = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new ReduxError(ExitCode.usage, `cannot read ${path}: ${(err as Error).message}`);
  }
  const { keep, done, dropped } = readExisting(existing);
  if (dropped > 0 || existing === "") writeFileAtomic(path, keep.length ? `${keep.join("\n")}\n` : "");
  const fd = openSync(path, "a", 0o600);
  let dirty = false;
  const timer = setInterval(() => {
    if (dirty) {
      dirty = false;
      fsyncSync(fd);
    }
  }, 1000);
  timer.unref();
  return {
    done,
    dropped,
    write(line) {
      // one write() per line: a kill -9 leaves whole lines (anything torn is repaired by the next run)
      writeSync(fd, `${JSON.stringify(line)}\n`);
      dirty = true;
    },
    close() {
      clearInterval(timer);
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

/** Results as lines through `write` (stdout): nothing to resume from. */
export const streamOutput = (write: (s: string) => void): BatchOutput => ({
  done: new Set(),
  write: (line) => write(`${JSON.stringify(line)}\n`),
  close() {},
});
