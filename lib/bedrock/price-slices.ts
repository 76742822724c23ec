// One model's entries of ~/.amazon-q/prices.json, kept under ~/.amazon-q/cache/prices-<file>/ (0700, files 0600,
// written atomically but not fsynced: a slice a crash loses is cut again). A refreshed prices.json holds hundreds of
// entries; reading, parsing and checking all of them cost a one-shot ~2 ms of CPU after its answer (npm run bench),
// and a turn needs only its own model's. A slice is cut from a prices.json that was read and checked whole, the first
// time a model is priced, and its directory is named after that file's identity (device, inode, size, mtime and
// ctime, as git's index tells a changed file): a changed file has another name, so a slice is never older than the
// file. A damaged or missing slice is a miss, never an error.
import type * as NodeFs from "node:fs";
import type { Stats } from "node:fs";
import type * as NodePath from "node:path";
import type * as FsAtomic from "../fs-atomic.ts";
import { cacheDir, joinPath } from "../paths.ts";
import { validEntry, type PriceEntry } from "./prices.ts";

/**
 * A file changed this recently (ms) is read whole and not sliced: where timestamps are coarse (FAT's 2 s, a clock
 * tick), a second change within the same tick, to the same size, would keep the file's name ("racy git").
 */
const SETTLE_MS = 2_500;

// node:fs, node:path and the atomic writer load only when there is a prices.json: without one, `redux-export list`
// prices conversations at start-up, where loading node:fs alone would cost more than the rest of its answer
const fs = () => require("node:fs") as typeof NodeFs;
const join = (...parts: string[]) => (require("node:path") as typeof NodePath).join(...parts);

const DIR_RE = /^prices-[0-9a-z]+(?:-[0-9a-z.]+){4}$/;

/** The slice directory of prices.json as it is now; undefined when it changed too recently to be named safely. */
function sliceDir(st: Stats, env: NodeJS.ProcessEnv, settleMs: number): string | undefined {
  const now = Date.now();
  if (now - st.ctimeMs < settleMs || now - st.mtimeMs < settleMs) return undefined;
  // mtime and ctime to the microsecond (their double's precision); the settle time covers anything finer
  let name = "prices";
  for (const n of [st.dev, st.ino, st.size, st.mtimeMs * 1000, st.ctimeMs * 1000]) name += `-${Math.round(n).toString(36)}`;
  return joinPath(cacheDir(env), name);
}

/** A slice's file name: the id, spelled safely; undefined for an id too long for a file name (never sliced). */
function sliceName(id: string) {
  const name = `${encodeURIComponent(id)}.json`;
  return name.length <= 255 ? name : undefined;
}

/** A slice's entries: every one a valid price of this id; undefined when the slice is missing or damaged. */
function readSlice(file: string, id: string): PriceEntry[] | undefined {
  let v: { model_id?: unknown; entries?: unknown } | null;
  try {
    v = JSON.parse(fs().readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || v.model_id !== id || !Array.isArray(v.entries)) return undefined;
  for (const e of v.entries) if (!validEntry(e) || e.model_id !== id) return undefined;
  return v.entries as PriceEntry[];
}

/** Writes a slice; a cache that cannot be written (read-only HOME, full disk) only means the next run reads it whole. */
function writeSlice(dir: string, name: string, id: string, entries: PriceEntry[]) {
  try {
    const fresh = !fs().statSync(dir, { throwIfNoEntry: false });
    (require("../fs-atomic.ts") as typeof FsAtomic).writeFileAtomic(join(dir, name), JSON.stringify({ model_id: id, entries }), { ownDir: true, fsync: false });
    if (!fresh) return;
    // slices of the file as it was before are of no use now
    const parent = join(dir, "..");
    for (const n of fs().readdirSync(parent)) if (DIR_RE.test(n) && join(parent, n) !== dir) fs().rmSync(join(parent, n), { recursive: true, force: true });
  } catch {
    // best effort, as above
  }
}

/**
 * The override entries of one pricing id, in file order: from its slice when prices.json is unchanged since the slice
 * was cut, else from `readWhole` (the whole file, read and checked), cutting the slice for next time. Undefined: no
 * prices.json, or one that cannot be used (the caller reads it whole to say why, when asked).
 */
export function overrideEntriesOf(
  path: string,
  id: string,
  readWhole: () => PriceEntry[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
  settleMs = SETTLE_MS,
): PriceEntry[] | undefined {
  // no prices.json (or an empty one, damaged: no entries either way), found by Bun.file's stat without node:fs,
  // which neither `redux-export list` nor a one-shot run with --no-save has loaded otherwise
  if (Bun.file(path).size === 0) return undefined;
  let st: Stats | undefined;
  try {
    st = fs().statSync(path, { throwIfNoEntry: false });
  } catch {
    return readWhole(); // it says why (a directory on the path, permissions)
  }
  if (!st) return undefined; // no prices.json: nothing to read, and no ENOENT error to build
  const dir = st.isFile() ? sliceDir(st, env, settleMs) : undefined;
  const name = sliceName(id);
  const cached = dir && name ? readSlice(joinPath(dir, name), id) : undefined;
  if (cached) return cached;
  const all = readWhole();
  if (!all) return undefined;
  const own = all.filter((e) => e.model_id === id);
  if (dir && name) writeSlice(dir, name, id, own);
  return own;
}
