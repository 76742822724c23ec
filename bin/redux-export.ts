#!/usr/bin/env bun
// redux-export: placeholder entry until its issue lands (answers --help and --version).
import { defineCommand } from "citty";
import { exitWhenFlushed, runCli } from "./shared/cli.ts";
import { VERSION } from "../lib/version.ts";
import { ReduxError, ExitCode } from "../lib/errors.ts";

const main = defineCommand({
  meta: { name: "redux-export", version: VERSION, description: "not built yet" },
  run() {
    throw new ReduxError(ExitCode.usage, "redux-export is not available in this version");
  },
});

await runCli(main);
await exitWhenFlushed();
