// Reading a small file's text without loading node:fs, for the start-up path of `redux-export list`: Bun.file opens it
// read-only (not Bun.mmap, which opens and maps files read-write: watchers saw a write to the user's settings and
// conversations, and a file cut short in place under the mapping would crash the process). Anything but a plain
// success or a missing file is read again with node:fs, so a directory or a permission error gives exactly what
// readFileSync gives.
import type * as NodeFs from "node:fs";

// ignoreBOM keeps a byte-order mark in the text, as readFileSync(path, "utf8") does
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The file's text (as readFileSync(path, "utf8") reads it), or undefined when it does not exist; other errors are node:fs's own. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return decoder.decode(await Bun.file(path).bytes());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  }
  // a directory, no permission: node:fs after all, for its own error
  try {
    return (require("node:fs") as typeof NodeFs).readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
