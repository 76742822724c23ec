// The toolkit's version (package.json's, one for all three executables) and the build stamp scripts/build.ts puts in
// each compiled binary: the git commit of the built checkout, the Bun target and the build date (UTC).
import { version } from "../package.json" with { type: "json" };

export interface BuildStamp {
  commit: string;
  target: string;
  date: string;
}

/** Defined by scripts/build.ts (`--define REDUX_BUILD=…`); absent when run from source. */
declare const REDUX_BUILD: BuildStamp | undefined;

export const VERSION: string = version;

const BUILD: BuildStamp =
  typeof REDUX_BUILD !== "undefined" ? REDUX_BUILD : { commit: "source", target: `${process.platform}-${process.arch}`, date: "" };

/** `redux-chat 0.2.0 (3f2c1ab linux-arm64 2026-12-01)` */
// the date may be empty (run from source); commit and target never are. A template, not filter(Boolean).join(" "):
// Array.prototype.filter's first use in a process compiles JavaScriptCore's own JavaScript for it
export const versionLine = (name: string) => `${name} ${VERSION} (${BUILD.commit} ${BUILD.target}${BUILD.date ? ` ${BUILD.date}` : ""})`;

/** `--version --json` (schemas/version.schema.json) */
export const versionJson = (name: string) => ({ name, version: VERSION, commit: BUILD.commit, target: BUILD.target, date: BUILD.date || null });
