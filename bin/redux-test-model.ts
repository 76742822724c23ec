#!/usr/bin/env bun
// redux-test-model: the smoke test. Which credential source won, who you are, whether the model answers, how fast.
import { defineCommand } from "citty";
import { exitWhenFlushed, repeated, runCli } from "./shared/cli.ts";
import { awsArgs, fallbackArgs, modelArgs, outputArgs } from "./shared/args.ts";
import { VERSION } from "../lib/version.ts";

const main = defineCommand({
  meta: { name: "redux-test-model", version: VERSION, description: "Check model string, credentials, identity and a tiny model call, in order" },
  args: {
    ...modelArgs,
    ...fallbackArgs,
    ...awsArgs,
    timeout: { ...awsArgs.timeout, description: "seconds each step, and the whole run, may take (default 30)" },
    invoke: { type: "boolean", default: true, description: "call the model (--no-invoke: stop after the identity check)", negativeDescription: "do not call the model" },
    ...outputArgs,
  },
  async run({ args, rawArgs }) {
    const { smokeTest } = await import("./test-model/run.ts");
    await smokeTest({ ...args, fallbacks: repeated(rawArgs, "fallback") });
  },
});

export default main;

// run as its own file (from source); the compiled binary reaches it through bin/redux.ts
if (import.meta.main) {
  await runCli(main);
  await exitWhenFlushed();
}
