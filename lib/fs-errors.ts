// File-system failures as a person reads them: one line naming the path and what failed, a hint, and an exit code
// (2 for a path that cannot be used as given, 9 for a disk that is full or failing), never "internal error".
import { dirname } from "node:path";
import { ReduxError, ExitCode, isReduxError } from "./errors.ts";

const REASONS: Record<string, [reason: string, code: number, hint: (path: string) => string]> = {
  ENOENT: ["no such file or directory", ExitCode.usage, (p) => `check the path: ${dirname(p)} must exist`],
  ENOTDIR: ["a part of the path is a file, not a directory", ExitCode.usage, () => "check each directory in the path"],
  EISDIR: ["it is a directory", ExitCode.usage, () => "give the path of a file, not of a directory"],
  EEXIST: ["it already exists", ExitCode.usage, () => "choose another path, or remove the one that is there"],
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

/** Runs `fn`, turning a file-system error into fsError(path, action). */
export function onPath<T>(path: string, action: string, fn: () => T, hint?: string): T {
  try {
    return fn();
  } catch (err) {
    throw fsError(err, path, action, hint);
  }
}
