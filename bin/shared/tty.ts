// Is a descriptor a terminal? Answered without loading node:fs or node:tty (node:tty alone costs more than a whole
// `--version`): the runtime's own isatty (the tty_wrap binding node:tty's isatty is built on), or, where a runtime does
// not offer it, the descriptor's fstat: a character device other than /dev/null and friends (major 1) on Linux.
import type * as NodeFs from "node:fs";

type TtyWrap = { isTTY(fd: number): boolean };

let binding: TtyWrap | null | undefined;

function ttyWrap(): TtyWrap | null {
  if (binding === undefined) {
    try {
      binding = (process as unknown as { binding(name: string): TtyWrap }).binding("tty_wrap");
      if (typeof binding.isTTY !== "function") binding = null;
    } catch {
      binding = null;
    }
  }
  return binding;
}

export function isTTY(fd: 0 | 1 | 2): boolean {
  try {
    const wrap = ttyWrap();
    if (wrap) return wrap.isTTY(fd);
    const st = (require("node:fs") as typeof NodeFs).fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    if (process.platform === "linux") return st.rdev >> 8 !== 1;
    return Boolean((require("node:tty") as typeof import("node:tty")).isatty(fd));
  } catch {
    return false;
  }
}
