#!/usr/bin/env bun
// redux-test-model: the smoke test. Which credential source won, who you are, whether the model answers, how fast.
import { defineCommand } from "citty";
import { exitWhenFlushed, repeated, runCli } from "./shared/cli.ts";
import { testModelArgs } from "./test-model/args.ts";
import { VERSION } from "../lib/version.ts";

const main = defineCommand({
  meta: { name: "redux-test-model", version: VERSION, description: "Check model string, credentials, identity and a tiny model call, in order" },
  args: testModelArgs,
  async run({ args, rawArgs }) {
    if (args.concurrency !== undefined && !args.all) {
      const { usageError } = await import("../lib/errors.ts");
      throw usageError("--concurrency only goes with --all", "redux-test-model --all --concurrency N");
    }
    if (args.all) {
      const { testAll } = await import("./test-model/all.ts");
      return testAll(args, repeated(rawArgs, "fallback"));
    }
    const { smokeTest } = await import("./test-model/run.ts");
    await smokeTest(args, repeated(rawArgs, "fallback"));
  },
});

export default main;

// run as its own file (from source); the compiled binary reaches it through bin/redux.ts
if (import.meta.main) {
  await runCli(main);
  await exitWhenFlushed();
}
