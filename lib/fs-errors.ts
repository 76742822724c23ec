// File-system failures as a person reads them: one line naming the path and what failed, a hint, and an exit code
// (2 for a path that cannot be used as given, 9 for a disk that is full or failing), never "internal error".
import { dirname } from "node:path";
import { ReduxError, ExitCode, isReduxError } from "./errors.ts";

const REASONS: Record<string, [reason: string, code: number, hint: (path: string) => string]> = {
  ENOENT: ["no such file or directory", ExitCode.usage, (p) => `check the path: ${dirname(p)} must exist`],
  ENOTDIR: ["a part of the path is a file, not a directory", ExitCode.usage, () => "check each directory in the path"],
  EISDIR: ["it is a directory", ExitCode.usage, () => "give the path of a file, not of a directory"],
  EEXIST: ["a file of that name already exists", ExitCode.usage, () => "choose another path, or move the file that is there"],
  EACCES: ["permission denied", ExitCode.usage, (p) => `check the permissions of ${p} and of ${dirname(p)} (ls -ld)`],
  EPERM: ["operation not permitted", ExitCode.usage, (p) => `check the permissions and attributes of ${p} and of ${dirname(p)}`],
  EROFS: ["the file system is read-only", ExitCode.usage, () => "write to a directory on a writable file system"],
  ELOOP: ["too many symbolic links", ExitCode.usage, () => "check the symbolic links in the path"],
  ENAMETOOLONG: ["the name is too long", ExitCode.usage, () => "use a shorter path"],
  ENOSPC: ["no space left on the device", ExitCode.io, (p) => `free some space (df -h ${dirname(p)}) and run again`],
  EDQUOT: ["the disk quota is exceeded", ExitCode.io, (p) => `free some space under your quota (quota -s; df -h ${dirname(p)}) and run again`],
  EFBIG: ["the file is too large", ExitCode.io, () => "write to another file system, or split the work"],
  EIO: ["an I/O error", ExitCode.io, () => "the disk or the network file system failed; check the system log (dmesg)"],
  EMFILE: ["too many open files", ExitCode.io, () => "raise the open-file limit (ulimit -n)"],
  ENFILE: ["too many open files in the system", ExitCode.io, () => "retry when the system is less busy"],
};

/**
 * `cannot <action> <path>: <reason>` with a hint and exit code 2 or 9. A ReduxError passes through unchanged.
 * `action` is a verb phrase: "write", "create the directory", "lock".
 */
export function fsError(err: unknown, path: string, action: string, hint?: string): ReduxError {
  if (isReduxError(err)) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? "";
  const known = REASONS[code];
  if (known) {
    const [reason, exit, defaultHint] = known;
    return new ReduxError(exit, `cannot ${action} ${path}: ${reason} (${code})`, hint ?? defaultHint(path), { cause: err });
  }
  const message = String((err as Error)?.message ?? err).split("\n")[0];
  return new ReduxError(ExitCode.io, `cannot ${action} ${path}: ${message}`, hint ?? "check the path, its permissions and the free space", { cause: err });
}

/** A write to standard output or error that failed (a full disk behind `> file`): exit 9 for ENOSPC, with a hint. */
export const streamWriteError = (err: unknown, stream: "standard output" | "standard error") =>
  fsError(err, stream, "write to", "check where it goes: the disk may be full (df -h) or the file not writable");

/** Runs `fn`, turning a file-system error into fsError(path, action). */
export function onPath<T>(path: string, action: string, fn: () => T, hint?: string): T {
  try {
    return fn();
  } catch (err) {
    throw fsError(err, path, action, hint);
  }
}

const ACTIONS: Record<string, string> = {
  open: "open",
  read: "read",
  write: "write",
  mkdir: "create the directory",
  rename: "replace",
  unlink: "delete",
  rmdir: "delete the directory",
  scandir: "read the directory",
  stat: "read",
  lstat: "read",
  fsync: "write",
  ftruncate: "write",
  copyfile: "copy",
  link: "create",
  symlink: "create",
  chmod: "change the mode of",
  access: "use",
};

/**
 * A file-system error that reached the top without being named where it happened (anything Node's fs throws carries
 * `code`, `syscall` and `path`) as fsError; undefined for anything else.
 */
export function systemFsError(err: unknown): ReduxError | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== "object" || typeof e.code !== "string" || !/^E[A-Z]+$/.test(e.code) || typeof e.path !== "string") return undefined;
  return fsError(e, e.path, ACTIONS[e.syscall ?? ""] ?? "use");
}
