// Atomic file writes: a crash leaves the old file or the new one, never half of one. Directories redux keeps its own
// data in are created 0700; any other directory (where an export or a copy goes) is never created or chmodded here.
import { close, closeSync, fchmodSync, fchownSync, fsync, fsyncSync, mkdirSync, open, openSync, readdirSync, renameSync, rmSync, statSync, writeSync, type Stats } from "node:fs";
import { dirname, basename, join } from "node:path";
import { openFilesystem, syncFilesystem } from "./syncfs.ts";

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
  /**
   * false: no fsync of the file or its directory, for what can be made again (a cache whose damaged files are misses):
   * a crash may lose it, but never leaves a part of it under its name.
   */
  fsync?: boolean;
}

const existing = (path: string): Stats | undefined => {
  try {
    // no exception for the usual answer (a new file): building one cost more than the stat itself
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
};

/** 8 random hex digits (Web Crypto: a global, where importing node:crypto would slow every start that saves). */
const tmpSuffix = () => Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex");

/** The temp file beside `path` (same directory, so the rename is atomic), open for writing. */
export function openTempBeside(path: string, o: WriteOptions & { like?: Stats } = {}): { tmp: string; fd: number } {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${tmpSuffix()}.tmp`);
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
function syncDir(dir: string) {
  try {
    const dfd = openSync(dir, "r");
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    // some filesystems refuse fsync on a directory; the file itself is already safe
  }
}

const writeBuffer = (fd: number, buf: Uint8Array) => {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
};

const BATCH = 1 << 16;

/** A string written as it is (no Buffer copy on the heap); a short write finishes through a Buffer. Returns the bytes. */
function writeString(fd: number, s: string): number {
  const n = writeSync(fd, s);
  if (n >= s.length && n >= Buffer.byteLength(s)) return n;
  const rest = Buffer.from(s).subarray(n);
  writeBuffer(fd, rest);
  return n + rest.length;
}

/**
 * Pieces written in order: small ones gathered into 64 KiB writes, large ones written as they are. A document given
 * in pieces is never one string or one Buffer, and leaves little garbage behind (uncollected garbage is peak memory).
 */
function writePieces(fd: number, pieces: Iterable<string>) {
  let batch = "";
  for (const p of pieces) {
    if (p.length >= BATCH) {
      if (batch) writeString(fd, batch);
      batch = "";
      writeString(fd, p);
      continue;
    }
    batch += p;
    if (batch.length >= BATCH) {
      writeString(fd, batch);
      batch = "";
    }
  }
  if (batch) writeString(fd, batch);
}

/**
 * Writes `data` (or the pieces of it, in order) to `path` through a temp file in the same directory, fsync and
 * rename. The directory must exist (or be ours: ownDir).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<string>, o: WriteOptions = {}) {
  if (o.ownDir) ensurePrivateDir(dirname(path));
  // a private file is always 0600; an export that replaces a file keeps that file's mode and owner
  const { tmp, fd } = openTempBeside(path, { ...o, like: o.mode === "umask" ? existing(path) : undefined });
  const fill = () => {
    if (typeof data === "string" || data instanceof Uint8Array) writeBuffer(fd, typeof data === "string" ? Buffer.from(data) : data);
    else writePieces(fd, data);
  };
  if (o.fsync === false) fillAndRename(path, tmp, fd, fill, false);
  else commitTemp(path, tmp, fd, fill);
}

/**
 * Fills a temp file from openTempBeside (`fill`), fsyncs and closes it, renames it over `path` and syncs the
 * directory. On any failure the temp file is removed and the error rethrown: `path` is left as it was.
 */
export function commitTemp(path: string, tmp: string, fd: number, fill: () => void) {
  fillAndRename(path, tmp, fd, fill, true);
  syncDir(dirname(path));
}

/** Fills the temp file, fsyncs it (when asked), closes it and renames it over `path`; on any failure removes it. */
function fillAndRename(path: string, tmp: string, fd: number, fill: () => void, fsync: boolean) {
  let fdOpen = true;
  try {
    fill();
    if (fsync) fsyncSync(fd);
    fdOpen = false;
    // inside the try: NFS may report a failed write only at close, and the temp file must not be left behind
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    if (fdOpen) {
      try {
        closeSync(fd);
      } catch {
        // the first failure is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** fsyncs at once in the closing pass: enough to fill one journal commit, few enough to leave threads for others. */
const SYNC_POOL = 32;

/** fsync of a file by name (reopened: a write handle per file would run out of descriptors over 10,000 files). */
const fsyncPath = (path: string) =>
  new Promise<void>((resolve, reject) =>
    // Windows flushes only a handle opened for writing
    open(path, process.platform === "win32" ? "r+" : "r", (err, fd) => {
      if (err) return reject(err);
      // node:fs names no path on a failed fsync: the file is what the person needs to hear of
      fsync(fd, (syncErr) => close(fd, () => (syncErr ? reject(Object.assign(syncErr, { path })) : resolve())));
    }),
  );

/**
 * Many files written atomically and made durable together (redux-export --all into an existing directory): each goes
 * to a temp name beside it and is renamed into place at once, so a crash leaves whole files or none under their final
 * names. None is fsynced as it is written: `done()` makes them durable together, then fsyncs the directory once. On
 * Linux 5.8+ that is one syncfs(2) of the directory's filesystem (lib/syncfs.ts: 10,000 files synced in well under
 * 0.1 s, where the fsync pass took 1-2 s); where syncfs cannot be used, fails, or would also wait for a lot of other
 * programs' data, one fsync pass over the files (a few dozen at a time, off the main thread, so the filesystem commits
 * them together). An fsync per file as it was written made 10,000 conversations take 4-6 s. Errors carry the path
 * they happened on (as thrown by node:fs).
 */
export function durableWrites(dir: string, o: WriteOptions & { /** false: always the fsync pass */ syncfs?: boolean } = {}) {
  const written: string[] = [];
  let bytes = 0;
  // opened before the first file is written, so syncfs reports any writeback error since then (see done)
  let fsFd = o.syncfs === false ? undefined : openFilesystem(dir);
  // the names already there, read once: only a file that replaces one is stat'ed for the mode and owner to keep
  // (a stat per file of a fresh export cost more than writing it)
  let present: Set<string> | undefined;
  const replaces = (name: string) => {
    try {
      present ??= new Set(readdirSync(dir));
    } catch {
      return true; // unknown: stat every file, as writeFileAtomic does
    }
    return present.has(name);
  };
  return {
    write(name: string, data: string) {
      const path = join(dir, name);
      const { tmp, fd } = openTempBeside(path, { ...o, like: o.mode === "umask" && replaces(name) ? existing(path) : undefined });
      // no fsync here: done() syncs every file in one pass (a crash leaves whole files or none under their names)
      fillAndRename(path, tmp, fd, () => (bytes += writeString(fd, data)), false);
      written.push(path);
    },
    /** Makes every file written durable; says how (for --debug). */
    async done(): Promise<"syncfs" | "fsync pass"> {
      const fd = fsFd;
      fsFd = undefined;
      // one syncfs instead of an fsync per file (Linux 5.8+); on any error the fsync pass below decides, file by file
      if (fd !== undefined && syncFilesystem(fd, bytes)) {
        syncDir(dir);
        return "syncfs";
      }
      let next = 0;
      const worker = async () => {
        while (next < written.length) await fsyncPath(written[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(SYNC_POOL, written.length) }, worker));
      syncDir(dir);
      return "fsync pass";
    },
    /** An export given up midway: the descriptor held for syncfs is closed, and nothing is synced. */
    abandon() {
      const fd = fsFd;
      fsFd = undefined;
      try {
        if (fd !== undefined) closeSync(fd);
      } catch {
        // a descriptor only read from: nothing to lose, and the error that ended the export is the one to report
      }
    },
  };
}
