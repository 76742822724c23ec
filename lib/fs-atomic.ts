// Atomic file writes: a crash leaves the old file or the new one, never half of one. Directories redux keeps its own
// data in are created 0700; any other directory (where an export or a copy goes) is never created or chmodded here.
import { closeSync, fchmodSync, fchownSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, basename, join } from "node:path";

/**
 * Creates a directory redux keeps its own data in (`~/.amazon-q`, the conversations directory, caches), and any
 * missing parents, with mode 0700. A directory that exists is used as it is: redux never chmods what it did not create.
 */
export function ensurePrivateDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface WriteOptions {
  /**
   * `private` (the default): a new file is 0600, whatever the umask (conversations, settings). `umask`: a new file is
   * 0666 less the umask, like a shell redirection (exports). Either way a file that is replaced keeps its mode.
   */
  mode?: "private" | "umask";
  /** The file lives in a directory redux keeps its own data in (a cache): create it 0700 when missing. */
  ownDir?: boolean;
}

const existing = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/** The temp file beside `path` (same directory, so the rename is atomic), open for writing. */
export function openTempBeside(path: string, o: WriteOptions & { like?: Stats } = {}): { tmp: string; fd: number } {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", o.mode === "umask" ? 0o666 : 0o600);
  const like = o.like;
  if (like?.isFile()) {
    try {
      // the replaced file's owner (when we may: root) and mode, so replacing it changes nothing but its content
      if (process.getuid?.() === 0 && (like.uid !== process.getuid() || like.gid !== process.getgid?.())) fchownSync(fd, like.uid, like.gid);
      fchmodSync(fd, like.mode & 0o7777);
    } catch {
      // best effort: the content is what matters
    }
  }
  return { tmp, fd };
}

/** Makes a rename durable: the directory entry is only on disk once the directory is synced. */
export function syncDir(dir: string) {
  try {
    const dfd = openSync(dir, "r");
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    // some filesystems refuse fsync on a directory; the file itself is already safe
  }
}

/** Writes `data` to `path` through a temp file in the same directory, fsync and rename. The directory must exist (or be ours: ownDir). */
export function writeFileAtomic(path: string, data: string | Uint8Array, o: WriteOptions = {}) {
  if (o.ownDir) ensurePrivateDir(dirname(path));
  // a private file is always 0600; an export that replaces a file keeps that file's mode and owner
  const { tmp, fd } = openTempBeside(path, { ...o, like: o.mode === "umask" ? existing(path) : undefined });
  try {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dirname(path));
}
