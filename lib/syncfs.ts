// syncfs(2): one call that writes back a whole filesystem and waits for it (one journal commit), where an export's
// closing pass would otherwise fsync thousands of files one by one. Linux only, and only from 5.8: before that
// syncfs said nothing of writeback errors, so it could not stand in for the fsyncs.
import { closeSync, openSync, readFileSync, statfsSync } from "node:fs";
import { loadLibc, type Libc } from "./libc.ts";

let libc: Libc<"syncfs"> | null | undefined;

/** Linux 5.8 or later (by the release string: `6.18.44-…`, `5.10.0-…`). */
export function kernelReportsSyncfsErrors(release: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 5 || (major === 5 && minor >= 8);
}

const usable = (): Libc<"syncfs"> | null => {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") return null;
  const { release } = require("node:os") as typeof import("node:os");
  if (!kernelReportsSyncfsErrors(release())) return null;
  libc = loadLibc({ syncfs: { args: ["i32"], returns: "i32" } });
  return libc;
};

/**
 * Local filesystems whose syncfs writes everything to the disk (statfs f_type): ext2/3/4, xfs, btrfs, f2fs, tmpfs
 * (nothing to write), and overlayfs (it syncs its upper layer). A network or FUSE filesystem's syncfs may stop at the
 * client (FUSE other than virtiofs, CIFS/SMB and 9p have no sync of their own, NFS's is not an fsync of each file):
 * there each file's fsync, which those do send to the server, is the only way to know it is stored.
 */
const SYNCFS_WRITES_ALL: ReadonlySet<number> = new Set([0xef53, 0x58465342, 0x9123683e, 0xf2f52010, 0x01021994, 0x794c7630]);

/** Whether syncfs on a filesystem of this statfs type stands in for an fsync of each file on it. */
export const syncfsCoversFiles = (type: number) => SYNCFS_WRITES_ALL.has(type);

/**
 * A descriptor on `dir`'s filesystem for syncFilesystem, or undefined where syncfs cannot be used (not Linux 5.8+, or
 * not a local filesystem it covers). Open it BEFORE writing: syncfs reports the writeback errors that happened on the
 * filesystem since the descriptor was opened.
 */
export function openFilesystem(dir: string): number | undefined {
  if (!usable()) return undefined;
  try {
    if (!syncfsCoversFiles(Number(statfsSync(dir).type))) return undefined;
    return openSync(dir, "r");
  } catch {
    return undefined;
  }
}

/** What the whole machine has waiting to be written (Dirty + Writeback in /proc/meminfo), in bytes. */
function dirtyBytes(): number | undefined {
  try {
    const info = readFileSync("/proc/meminfo", "latin1");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(info)?.[1] ?? Number.NaN);
    const n = (kb("Dirty") + kb("Writeback")) * 1024;
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Other programs' unwritten data syncfs may wait for beside ours: under 2 s on a disk of 150 MB/s, about what the
 * fsync pass over 10,000 files costs there. The machine can hold gigabytes unwritten (vm.dirty_ratio) while something
 * copies a big file; syncfs would wait for all of it.
 */
export const OTHERS_DIRTY_MAX = 256 << 20;

/**
 * syncfs(2) on `fd`'s filesystem, then closes `fd`. True when every dirty page and inode of that filesystem is on disk
 * and no writeback error happened there since `fd` was opened; false on any failure (the caller falls back to fsyncs).
 * syncfs writes back everything on the filesystem, not only ours: when the machine has more than `ours` bytes plus
 * OTHERS_DIRTY_MAX waiting to be written (or this cannot be told), it is not called and false is returned, so another
 * program's big unsynced file never holds the caller up.
 */
export function syncFilesystem(fd: number, ours: number): boolean {
  try {
    const fns = usable()?.fns;
    if (!fns) return false;
    const dirty = dirtyBytes();
    if (dirty === undefined || dirty > ours + OTHERS_DIRTY_MAX) return false;
    for (;;) {
      if (fns.syncfs(fd) === 0) return true;
      if (libc!.errno() !== 4) return false; // EINTR: again
    }
  } finally {
    try {
      closeSync(fd);
    } catch {
      // a descriptor only read from: nothing to lose
    }
  }
}
