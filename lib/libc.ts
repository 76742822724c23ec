// The C library through bun:ffi, for the few system calls node:fs does not offer (flock for file locks, syncfs for
// the export's closing sync). Each caller names the functions it needs; errno is read beside them.
import type { FFIFunction } from "bun:ffi";

export interface Libc<S extends string> {
  fns: Record<S, (...args: number[]) => number>;
  /** errno as the last failed call left it (read straight after the call, on the same thread). */
  errno(): number;
}

/**
 * Loads `symbols` from the platform's C library (glibc, musl, or macOS's libSystem); null where there is no bun:ffi,
 * no C library under a known name, or one of the symbols is missing from it. Loading takes well under a millisecond.
 */
export function loadLibc<S extends string>(symbols: Record<S, FFIFunction>): Libc<S> | null {
  if (process.platform !== "linux" && process.platform !== "darwin") return null;
  try {
    const { dlopen, FFIType, read } = require("bun:ffi") as typeof import("bun:ffi");
    const darwin = process.platform === "darwin";
    const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
    const names = darwin ? ["libc.dylib", "/usr/lib/libSystem.B.dylib"] : ["libc.so.6", `libc.musl-${arch}.so.1`, "libc.so"];
    const errnoFn = darwin ? "__error" : "__errno_location";
    for (const name of names) {
      try {
        const lib = dlopen(name, { ...symbols, [errnoFn]: { args: [], returns: FFIType.ptr } } as Record<string, FFIFunction>);
        const errnoAt = lib.symbols[errnoFn] as unknown as () => number | null;
        return {
          fns: lib.symbols as unknown as Libc<S>["fns"],
          errno: () => read.i32(errnoAt() as never, 0),
        };
      } catch {
        // try the next name
      }
    }
  } catch {
    // no bun:ffi here
  }
  return null;
}
