// What the kernel tells a watcher about files (inotify, through the C library): whether a run closed any of them
// after opening them for writing, which sync tools and config reloaders take for a change.
import { FFIType, ptr } from "bun:ffi";
import { loadLibc } from "../../lib/libc.ts";

const IN_CLOSE_WRITE = 0x8;
const IN_NONBLOCK = 0o4000;

/** Watches `paths` while `run` runs; returns the paths closed after being opened for writing (Linux only: null elsewhere). */
export async function closedForWriting(paths: string[], run: () => Promise<unknown>): Promise<string[] | null> {
  const libc = loadLibc({
    inotify_init1: { args: [FFIType.i32], returns: FFIType.i32 },
    inotify_add_watch: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    read: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  });
  if (!libc || process.platform !== "linux") return null;
  const fd = libc.fns.inotify_init1(IN_NONBLOCK);
  if (fd < 0) throw new Error(`inotify_init1 failed (errno ${libc.errno()})`);
  try {
    const byWatch = new Map<number, string>();
    for (const p of paths) {
      const wd = libc.fns.inotify_add_watch(fd, ptr(Buffer.from(`${p}\0`)) as unknown as number, IN_CLOSE_WRITE);
      if (wd < 0) throw new Error(`inotify_add_watch ${p} failed (errno ${libc.errno()})`);
      byWatch.set(wd, p);
    }
    await run();
    const buf = new Uint8Array(64 * 1024);
    const n = Number(libc.fns.read(fd, ptr(buf) as unknown as number, buf.length));
    const seen: string[] = [];
    // struct inotify_event: wd, mask, cookie, len, then len bytes of name
    for (let i = 0; n > 0 && i < n; ) {
      const view = new DataView(buf.buffer, i);
      if (view.getUint32(4, true) & IN_CLOSE_WRITE) seen.push(byWatch.get(view.getInt32(0, true))!);
      i += 16 + view.getUint32(12, true);
    }
    return seen;
  } finally {
    libc.fns.close(fd);
  }
}
