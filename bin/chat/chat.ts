// The chat command: a one-shot prompt streamed to stdout (or one JSON object), or the REPL on a terminal.
import type { ParsedArgs } from "citty";
import type { chatArgs } from "./args.ts";
import { ReduxError, ExitCode, usageError } from "../../lib/errors.ts";
import { parseEndpoint, parseInference } from "../../lib/bedrock/inference.ts";
import { openSession, type Session } from "../../lib/chat/session.ts";
import type { ChatJsonOutput, TurnOptions, TurnOutcome } from "../../lib/chat/turn.ts";
import { fallbackNote } from "../../lib/bedrock/failover.ts";
import { parseFeatureFlags, parseThinking, stopReasonNote } from "../../lib/bedrock/features.ts";
import { checkStructuredAnswer } from "../../lib/bedrock/structured-output.ts";
import { attachmentPart, checkAttachments, readAttachment } from "../../lib/conversations/attachments.ts";
import { createUi, stdinIsTTY, type Ui } from "../shared/ui.ts";
import { emptyUsage } from "../../lib/conversations/conversation.ts";
import { repeated } from "../shared/cli.ts";
import { onInterrupt } from "../shared/interrupt.ts";
import { err, keepGoingWhenStdoutCloses, out, readStdin, streamOut } from "../shared/io.ts";

type ChatArgs = ParsedArgs<typeof chatArgs>;

export async function chat(args: ChatArgs, rawArgs: string[]) {
  const ui = createUi({ quiet: args.quiet, debug: args.debug });
  const words = (args._ as string[]).join(" ");
  const attach = repeated(rawArgs, "attach");
  // `--attach -` takes stdin's bytes, so the prompt then comes from the arguments only
  const stdinBytes = attach.includes("-") && !stdinIsTTY ? new Uint8Array(await Bun.stdin.arrayBuffer()) : undefined;
  const piped = stdinIsTTY || stdinBytes ? "" : await readStdin();
  const prompt = [piped.replace(/\s+$/, ""), words].filter((s) => s.trim() !== "").join("\n\n");
  if (args.resume && args.continue) throw usageError("--resume and --continue cannot be used together", "--continue picks the newest conversation; --resume ID picks one");
  if (!prompt && !stdinIsTTY) {
    throw usageError("no prompt: pass it as an argument or on stdin", 'e.g. redux-chat -m MODEL "hello", or echo hello | redux-chat -m MODEL');
  }
  if (!prompt && args.json) throw usageError("--json needs a prompt (the REPL is interactive)", 'e.g. redux-chat --json "hello"');

  const { inference: featureInference, features, autoThinking } = await parseFeatureFlags({
    thinking: args.thinking,
    effort: args.effort,
    cache: args.cache,
    jsonSchema: args["json-schema"],
    serviceTier: args["service-tier"],
    latency: args.latency,
    guardrail: args.guardrail,
    requestMetadata: repeated(rawArgs, "request-metadata"),
  });
  if (args["attach-type"] !== undefined && !attach.includes("-")) throw usageError("--attach-type says the type of --attach - (stdin); there is none", "a file's type comes from its content: drop --attach-type, or send stdin with --attach -");
  const files = attach.map((p) => readAttachment(p, { type: args["attach-type"], stdin: () => stdinBytes ?? new Uint8Array() }));
  if (files.length) checkAttachments(files, prompt);
  if (files.length && !prompt) throw usageError("--attach needs a prompt", 'say what to do with the files: redux-chat -a report.pdf "summarise this"');

  const session = await openSession({
    model: args.model,
    region: args.region,
    profile: args.profile,
    endpoint: parseEndpoint(args["endpoint-url"]),
    system: args.system,
    inference: { ...parseInference({ maxTokens: args["max-tokens"], temperature: args.temperature, topP: args["top-p"], stop: repeated(rawArgs, "stop") }), ...featureInference },
    resume: args.resume,
    continueLast: args.continue,
    // --count-tokens sends nothing to the model and saves nothing: no conversation is reserved for it
    save: args.save !== false && !args["count-tokens"],
    keyFile: args["key-file"],
    timeout: args.timeout,
    fallbacks: repeated(rawArgs, "fallback"),
    autoProfile: args["auto-profile"],
    debug: args.debug ? (l) => ui.debug(l) : undefined,
  });
  if (autoThinking) session.conversation.inference_config.thinking = parseThinking("auto", "--thinking", session.conversation.model_id);
  keepGoingWhenStdoutCloses();
  if (session.skipped.length) {
    const { skippedWarning } = await import("../../lib/conversations/store.ts");
    ui.warn(skippedWarning(session.skipped)!);
  }
  try {
    if (args["count-tokens"]) {
      if (!prompt) throw usageError("--count-tokens needs a prompt (argument or stdin)");
      const { countPrompt } = await import("./count-tokens.ts");
      await countPrompt(session, prompt, Boolean(args.json), features.serviceTier, files.map((f) => attachmentPart(f)));
      return;
    }
    if (!prompt) {
      const { repl } = await import("./repl.ts");
      await repl(session, ui, features, parseEndpoint(args["endpoint-url"]));
      return;
    }
    const attachments = files.map((f) => attachmentPart(f, session.store));
    await oneShot(session, prompt, args, ui, { attachments, features });
  } finally {
    session.close();
  }
}

async function oneShot(session: Session, prompt: string, args: ChatArgs, ui: Ui, extra: Pick<TurnOptions, "attachments" | "features">) {
  const c = session.conversation;
  ui.debug(`model ${c.model} (from ${session.modelSource})`);
  if (session.fallbacks.length) ui.debug(`fallbacks ${session.fallbacks.map((f) => f.model).join(", ")} (from ${session.fallbackSource})`);
  const { result, lifecycle } = await streamAnswer(session, prompt, args, ui, extra);
  await lifecycle.settle(result.status === "complete");
  if (args.json) out(`${JSON.stringify(jsonOutput(c, result))}\n`);
  if (!result.target.primary && !result.error) ui.info(fallbackNote(result));
  if (args.usage || (session.showUsage && !args.quiet)) {
    const { usageLine } = await import("../../lib/chat/usage-line.ts");
    err(`usage: ${usageLine(result.usage, result.cost, result.latencyMs)}\n`);
  }
  if (result.path) ui.debug(`saved ${result.path}`);
  if (result.status === "interrupted") {
    if (result.path) ui.warn(`interrupted; the partial answer was saved to ${result.path}`);
    throw new ReduxError(ExitCode.interrupted, "interrupted", result.path ? `resume with: redux-chat --resume ${c.conversation_id}` : undefined);
  }
  if (result.error) {
    if (result.path && result.text) ui.warn(`the partial answer was saved to ${result.path}`);
    throw result.error;
  }
  const note = stopReasonNote(result.stopReason, c.inference_config);
  if (note?.fails) throw new ReduxError(ExitCode.rejected, note.message, note.hint);
  if (note) ui.warn(note.message);
  if (extra.features?.jsonSchema) await checkStructuredAnswer(result.text, extra.features.jsonSchema.schema);
}

/** The turn, its answer streamed to stdout (reasoning to stderr) unless --json; the first signal stops it. */
async function streamAnswer(session: Session, prompt: string, args: ChatArgs, ui: Ui, extra: Pick<TurnOptions, "attachments" | "features">) {
  const c = session.conversation;
  const ac = new AbortController();
  const answer = streamOut();
  // a second signal quits at once: what arrived is written first
  const stopListening = onInterrupt(() => ac.abort(), { beforeQuit: () => answer.flush() });
  const { modelNotes } = await import("./model-notes.ts");
  const notes = modelNotes(ui, { profile: args.profile, endpoint: parseEndpoint(args["endpoint-url"]) });
  const lifecycle = notes.begin(c);
  const spinner = ui.spinner(`asking ${c.model_id}`);
  // a garbage collection asked for before the answer streams in (what setting up left behind goes first): a long
  // answer then peaks lower, 20,000 deltas at 80 MiB instead of 85 side by side; asked for, not waited for, it costs
  // this thread 0.04 ms
  Bun.gc(false);
  let wroteAny = false;
  let lastChar = "";
  let result: TurnOutcome;
  try {
    result = await session.turn(prompt, {
      ...extra,
      signal: ac.signal,
      // reasoning goes to stderr (dim on a terminal), never into the answer on stdout
      onReasoning: args.json || args.quiet
        ? undefined
        : (chunk) => {
            spinner.stop();
            answer.flush();
            ui.reasoning(chunk);
          },
      onAutoProfile: notes.autoProfile(() => spinner.stop()),
      onText: args.json
        ? undefined
        : (chunk) => {
            spinner.stop();
            ui.reasoning("");
            answer.write(chunk);
            wroteAny = true;
            lastChar = chunk.at(-1) ?? lastChar;
          },
    });
  } finally {
    answer.flush();
    spinner.stop();
    stopListening();
  }
  // the turn is saved by now: a stdout that could not be written (a full disk) is reported, exit 9
  answer.end();
  ui.reasoning("");
  if (wroteAny && lastChar !== "\n") out("\n");
  return { result, lifecycle };
}

/** The one object --json prints. */
function jsonOutput(c: Session["conversation"], result: TurnOutcome): ChatJsonOutput {
  return {
    text: result.text,
    conversation_id: c.conversation_id,
    model: result.target.model,
    region: result.target.region,
    model_id: result.target.modelId,
    stop_reason: result.stopReason ?? null,
    reasoning: result.reasoning?.length ? result.reasoning.map((r) => r.reasoning.text ?? "").join("") : null,
    usage: result.usage ?? emptyUsage(),
    cost: result.cost,
    latency_ms: result.latencyMs,
    status: result.status,
    path: result.path ?? null,
    ...(result.error ? { error: { code: result.error.code, class: result.error.errorClass, message: result.error.message, ...(result.error.hint ? { hint: result.error.hint } : {}) } } : {}),
    failed_attempts: result.failed,
  };
}
