// Exclusive locks on the files redux writes (a conversation, a batch output): `<path>.lock`, held with flock(2) on
// an open descriptor. The kernel drops the lock when its holder exits or is killed, so a lock left behind by a dead
// process is simply taken, by exactly one process, with no pid checks and no race. The lock file holds the holder's
// pid for the message a second process gets. Where flock cannot be reached (no libc to load), an O_EXCL file with the
// pid is used instead, and a stale one is taken over by renaming it away, which only one process can do.
import { closeSync, constants, fstatSync, ftruncateSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename } from "node:path";
import { ReduxError, ExitCode } from "./errors.ts";
import { fsError } from "./fs-errors.ts";
import { loadLibc } from "./libc.ts";

const LOCK_EX = 2;
const LOCK_NB = 4;

interface Flock {
  /** 0 on success, else the errno. */
  tryLock(fd: number): number;
  wouldBlock: Set<number>;
}

let flockImpl: Flock | null | undefined;

/** flock(2) through bun:ffi, loaded on first use (well under a millisecond); null where no libc can be loaded. */
function loadFlock(): Flock | null {
  if (flockImpl !== undefined) return flockImpl;
  flockImpl = null;
  const libc = loadLibc({ flock: { args: ["i32", "i32"], returns: "i32" } });
  if (!libc) return null;
  const flock = libc.fns.flock;
  flockImpl = {
    tryLock(fd) {
      for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) === 0) return 0;
        const e = libc.errno();
        if (e !== 4) return e; // EINTR: try again
      }
    },
    // EWOULDBLOCK (EAGAIN): 11 on Linux, 35 on macOS
    wouldBlock: new Set(process.platform === "darwin" ? [35] : [11]),
  };
  return flockImpl;
}

const readHolder = (lock: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(lock, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

const inUse = (path: string, what: string, holder: number | undefined, hint: string) =>
  new ReduxError(ExitCode.locked, `${what} ${basename(path)} is in use by ${holder ? `process ${holder}` : "another process"}`, hint);

interface LockOptions {
  /** What the file is, for the message: "conversation", "batch output". */
  what?: string;
  /** The hint when another process holds it. */
  hint?: string;
}

/**
 * Takes the exclusive lock of `path` (`<path>.lock`), or throws ReduxError exit 8 at once when a live process holds
 * it. Returns the release function (idempotent). The directory must exist.
 */
export function lockFile(path: string, o: LockOptions = {}): () => void {
  const what = o.what ?? "conversation";
  const hint = o.hint ?? "wait for it to finish, or start a new conversation";
  const lock = `${path}.lock`;
  const flock = loadFlock();
  if (!flock) return lockWithPidFile(path, lock, what, hint);
  for (let attempt = 0; attempt < 20; attempt++) {
    let fd: number;
    try {
      fd = openSync(lock, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      throw fsError(err, lock, "create the lock file");
    }
    const e = flock.tryLock(fd);
    if (e !== 0) {
      closeSync(fd);
      if (flock.wouldBlock.has(e)) throw inUse(path, what, readHolder(lock), hint);
      throw fsError(Object.assign(new Error(`flock failed (errno ${e})`), { code: e === 37 || e === 77 ? "ENOLCK" : undefined }), lock, "lock");
    }
    // a holder unlinks the lock file before it lets go: if ours is no longer the one at that path, start again
    let same = false;
    try {
      const a = fstatSync(fd);
      const b = statSync(lock);
      same = a.ino === b.ino && a.dev === b.dev;
    } catch {
      same = false;
    }
    if (!same) {
      closeSync(fd);
      continue;
    }
    try {
      // written before the old content is cut off, so a reader never finds the file empty
      const line = `${process.pid}\n`;
      writeSync(fd, line, 0);
      ftruncateSync(fd, Buffer.byteLength(line));
    } catch {
      // the pid is only for the message another process prints
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      try {
        unlinkSync(lock);
      } catch {
        // already gone
      }
      closeSync(fd);
    };
  }
  throw new ReduxError(ExitCode.locked, `cannot lock ${path}`, "other processes keep taking and releasing the lock; try again");
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The fallback: `<path>.lock` created with O_EXCL holding our pid; a dead holder's file is renamed away (atomic). */
function lockWithPidFile(path: string, lock: string, what: string, hint: string): () => void {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw fsError(err, lock, "create the lock file");
    }
    const holder = readHolder(lock);
    if (holder === undefined) {
      // being written, or left empty by a crash: only an old one is stale
      try {
        if (Date.now() - statSync(lock).mtimeMs < 5000) throw inUse(path, what, undefined, hint);
      } catch (err) {
        if (err instanceof ReduxError) throw err;
        continue;
      }
    } else if (holder !== process.pid && pidAlive(holder)) {
      throw inUse(path, what, holder, hint);
    }
    // stale: move it aside under a name of our own; of several processes only one rename finds it, and we check that
    // what we moved is the stale file we judged (not a fresh lock taken in between), else we put it back and yield
    const aside = `${lock}.${process.pid}.stale`;
    try {
      renameSync(lock, aside);
    } catch {
      continue;
    }
    const moved = readHolder(aside);
    if (moved !== holder) {
      // link, not rename: it fails rather than replace a lock someone took meanwhile
      try {
        linkSync(aside, lock);
      } catch {
        // someone holds it now
      }
      rmSync(aside, { force: true });
      throw inUse(path, what, moved, hint);
    }
    rmSync(aside, { force: true });
  }
  throw new ReduxError(ExitCode.locked, `cannot lock ${path}`, "other processes keep taking the lock; try again");
}
