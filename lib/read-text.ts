// Reading a small file's text without loading node:fs, for the start-up paths (`redux-export list`, pricing): the
// file is mapped (Bun.mmap) and decoded. Anything but a plain success or a missing file is read again with node:fs,
// so an empty file, a directory or a permission error gives exactly what readFileSync gives. Only for files that are
// replaced by rename, never rewritten in place (a file cut short under the mapping would fault).
import type * as NodeFs from "node:fs";

// ignoreBOM keeps a byte-order mark in the text, as readFileSync(path, "utf8") does
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The file's text (as readFileSync(path, "utf8") reads it), or undefined when it does not exist; other errors are node:fs's own. */
export function readTextIfExists(path: string): string | undefined {
  try {
    // copied out at once: the mapping is gone with the bytes
    return decoder.decode(Bun.mmap(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  }
  // an empty file (it cannot be mapped), a directory, no permission, a platform without mmap: node:fs after all
  try {
    return (require("node:fs") as typeof NodeFs).readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** True when nothing is at `path` (ENOENT), found without node:fs; false when something is, or it cannot be told. */
export function isMissing(path: string): boolean {
  try {
    Bun.mmap(path);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}
