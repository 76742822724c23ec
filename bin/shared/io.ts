// The process's standard streams, touched cheaply: in Bun the first use of process.stdin/stdout/stderr costs about
// 8 ms each, more than the rest of a `--version`, so output goes through plain synchronous writes and TTY checks
// look at the file descriptor itself. (The REPL, which needs readline, still uses process.stdin.)
import { writeSync } from "node:fs";

export { isTTY } from "./tty.ts";
import { isTTY } from "./tty.ts";

const pause = new Int32Array(new SharedArrayBuffer(4));

/** What a closed stdout (`| head -1`) does: end the process quietly, or drop the rest of the output and go on. */
let whenStdoutCloses: "exit" | "discard" = "exit";
const closed = { 1: false, 2: false };

/**
 * A chat keeps going when its reader goes away (`redux-chat ... | head -c 5`): the answer still arrives from Bedrock
 * and is saved whole; only the printing stops.
 */
export const keepGoingWhenStdoutCloses = () => void (whenStdoutCloses = "discard");

function writeAll(fd: 1 | 2, s: string) {
  if (closed[fd]) return;
  const buf = Buffer.from(s);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // a reader that went away (`| head -1`) ends us quietly (or is ignored, see above); a slow one makes us wait
      if (code === "EPIPE") {
        if (fd === 1 && whenStdoutCloses === "exit") process.exit(Number(process.exitCode ?? 0));
        closed[fd] = true;
        return;
      }
      if (code !== "EAGAIN") throw writeFailure(fd, err);
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

/** A failed write to stdout or stderr (a full disk behind `> file`): the file-system error, exit 9 for ENOSPC. */
function writeFailure(fd: 1 | 2, err: unknown) {
  // loaded only here: node:path and the error table stay off the start-up path
  const { streamWriteError } = require("../../lib/fs-errors.ts") as typeof import("../../lib/fs-errors.ts");
  return streamWriteError(err, fd === 1 ? "standard output" : "standard error");
}

/** stdout: data only. */
export const out = (s: string) => writeAll(1, s);
/** stderr: for people. */
export const err = (s: string) => writeAll(2, s);

/**
 * stdout for a streamed answer: the deltas that arrive in one event-loop turn go out in one write() (20,000 deltas
 * were 20,000 system calls), and that write happens at the end of the turn they arrived in, so text still shows as
 * it streams. `flush()` writes what is pending at once (before anything else is printed, and at the end).
 */
export function streamOut() {
  let pending = "";
  let scheduled = false;
  // a write that failed (a full disk) is kept, not thrown where it happened: that may be a timer callback or the middle
  // of the turn, and the answer must still be saved whole; end() reports it
  let failure: unknown;
  const flush = () => {
    scheduled = false;
    const s = pending;
    pending = "";
    if (!s || failure) return;
    try {
      out(s);
    } catch (e) {
      failure = e;
    }
  };
  return {
    write(s: string) {
      if (failure) return;
      pending += s;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    /** The last flush; throws the write that failed, if one did. */
    end() {
      flush();
      if (failure) throw failure;
    },
  };
}

/** All of stdin (when it is not a terminal). */
export const readStdin = () => Bun.stdin.text();

/** Terminal width for tables, when stdout is one. */
export function columns(): number {
  return isTTY(1) ? Number(process.env.COLUMNS) || (process.stdout.columns ?? 160) : 160;
}
