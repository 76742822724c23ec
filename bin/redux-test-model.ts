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
    fallback: { ...fallbackArgs.fallback, description: "also check this fallback model (repeatable; default: AMAZON_Q_FALLBACK_MODELS, then setting chat.fallbackModels)" },
    ...awsArgs,
    timeout: { ...awsArgs.timeout, description: "seconds each step, and the whole run, may take (default 30)" },
    invoke: { type: "boolean", default: true, description: "call the model (--no-invoke: stop after the identity check)", negativeDescription: "do not call the model" },
    all: { type: "boolean", description: "test every callable text model of the region at once (a 1-token call each; the list from redux-chat models' cache)" },
    concurrency: { type: "string", description: "with --all: models called at once (default 8)", valueHint: "n" },
    ...outputArgs,
  },
  async run({ args, rawArgs }) {
    if (args.concurrency !== undefined && !args.all) {
      const { usageError } = await import("../lib/errors.ts");
      throw usageError("--concurrency only goes with --all", "redux-test-model --all --concurrency N");
    }
    if (args.all) {
      const { testAll } = await import("./test-model/all.ts");
      return testAll(args);
    }
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
