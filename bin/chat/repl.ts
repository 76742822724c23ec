// The interactive REPL: line editing and history from readline, multi-line input (a trailing backslash, or a paste),
// slash commands, answers streamed to stdout, and Ctrl-C that stops an answer without leaving the chat. On TERM=dumb
// (or a stderr that is not a terminal) the terminal's own line editing is used and no cursor escape is written.
import { createInterface, type Interface } from "node:readline";
import { turnCount } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import type { Session } from "../../lib/chat/session.ts";
import type { TurnFeatures } from "../../lib/bedrock/features.ts";
import { attachmentPart, checkAttachments, readAttachment, type Attachment } from "../../lib/conversations/attachments.ts";
import { canRedraw, color, type Ui } from "../shared/ui.ts";
import { fallbackNote } from "../../lib/bedrock/failover.ts";
import { usageLine } from "../../lib/chat/usage-line.ts";
import { conversationCost } from "../../lib/conversations/usage-report.ts";
import { err, out } from "../shared/io.ts";
import { modelNotes } from "./model-notes.ts";

const HELP = `commands:
  /help            this list
  /model M         switch model (custom:<region>:<model-id>)
  /system TEXT     set the system prompt (empty: remove it)
  /clear           start a new conversation
  /usage           tokens and cost so far
  /save PATH       write a copy of the conversation to PATH
  /attach PATH     send this file (image or document) with the next message
  /exit            leave (also Ctrl-D, or Ctrl-C at an empty prompt)
end a line with \\ to continue on the next line; pasted text is sent as one message`;

// lines arriving closer together than this are one paste, sent as a single message
const PASTE_GAP_MS = 30;

/** Holds the terminal's resize redraws while an answer streams: readline's redraw would erase the streamed lines. */
function holdResizeRedraws(): () => void {
  const held = process.stderr.listeners("resize") as ((...a: unknown[]) => void)[];
  for (const l of held) process.stderr.off("resize", l);
  return () => {
    for (const l of held) process.stderr.on("resize", l);
  };
}

export async function repl(session: Session, ui: Ui, features: TurnFeatures = {}, endpoint?: string) {
  // the build starts every run with the JIT reluctant (one-shot paths gain); an interactive session wants it back
  Bun.unsafe.setJITPolicy(1);
  const notes = modelNotes(ui, { profile: session.profile, endpoint });
  // a person should hear about missing credentials before typing a prompt, not after
  await session.checkCredentials();
  const rl: Interface = createInterface({ input: process.stdin, output: process.stderr, terminal: canRedraw, historySize: 500, prompt: color.cyan("> ") });
  const say = (s: string) => err(`${s}\n`);
  say(color.gray(`redux-chat · ${session.conversation.model} · /help for commands`));

  let closed = false;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));

  const prompt = (continuation = false) => {
    if (closed) return;
    rl.setPrompt(continuation ? color.gray("… ") : color.cyan("> "));
    rl.prompt();
  };

  const close = () => {
    if (closed) return;
    closed = true;
    rl.close();
    done();
  };
  const r: Repl = { session, ui, features, notes, say, close, closed: () => closed, attached: [] };
  const input = messagesFrom(rl, prompt, (text) => handle(r, text));

  const onInterrupt = () => {
    if (r.streaming) {
      r.streaming.abort();
      return;
    }
    // on TERM=dumb the terminal holds the typed line, unseen: Ctrl-C only clears it (leave with Ctrl-D or /exit)
    if (canRedraw && rl.line.length === 0 && input.pending() === 0) {
      err("\n");
      close();
      return;
    }
    input.discard();
    err(canRedraw ? "^C\n" : "\n");
    prompt();
  };
  rl.on("SIGINT", onInterrupt);
  // without readline's raw mode (TERM=dumb), Ctrl-C is a signal
  if (!canRedraw) process.on("SIGINT", onInterrupt);
  rl.on("close", () => {
    // Ctrl-D: end the line the prompt is on, so the shell's prompt starts on its own
    if (!closed && !r.streaming) err("\n");
    closed = true;
    done();
  });

  prompt();
  await finished;
  await input.idle();
  process.off("SIGINT", onInterrupt);
}

/**
 * Lines into messages: a line ending with a backslash continues on the next one, and lines arriving within
 * PASTE_GAP_MS of each other are one paste, sent as one message. Messages are handled one at a time, in order.
 */
function messagesFrom(rl: Interface, prompt: (continuation?: boolean) => void, handle: (text: string) => Promise<void>) {
  let pending: string[] = [];
  let pasteTimer: ReturnType<typeof setTimeout> | undefined;
  let busy = Promise.resolve();
  const submit = () => {
    // a paste that did not end with a newline leaves its last line in the editor: that line's Enter sends it all
    if (rl.line) return;
    const text = pending.join("\n");
    pending = [];
    busy = busy.then(() => handle(text)).then(() => prompt());
  };
  rl.on("line", (line) => {
    clearTimeout(pasteTimer);
    if (line.endsWith("\\")) {
      pending.push(line.slice(0, -1));
      prompt(true);
      return;
    }
    pending.push(line);
    pasteTimer = setTimeout(submit, PASTE_GAP_MS);
  });
  return {
    /** Lines typed (continued or pasted) but not sent yet. */
    pending: () => pending.length,
    discard: () => void (pending = []),
    /** Resolves once every message sent so far has been handled. */
    idle: () => busy,
  };
}

/** What the REPL's steps share. */
interface Repl {
  session: Session;
  ui: Ui;
  features: TurnFeatures;
  notes: ReturnType<typeof modelNotes>;
  say(s: string): void;
  close(): void;
  closed(): boolean;
  /** /attach: files waiting for the next message. */
  attached: Attachment[];
  /** The answer streaming now (Ctrl-C stops it). */
  streaming?: AbortController;
}

/** One submitted input: a slash command (its first line; lines pasted after it are the next message) or a message. */
async function handle(r: Repl, input: string): Promise<void> {
  const text = input.trim();
  if (!text) return;
  if (text.startsWith("/")) {
    const nl = text.indexOf("\n");
    await command(r, nl < 0 ? text : text.slice(0, nl).trim());
    if (nl >= 0 && !r.closed()) await handle(r, text.slice(nl + 1));
    return;
  }
  await answer(r, input);
}

/** One message: sent with the attached files, the answer streamed to stdout; Ctrl-C stops it and keeps what came. */
async function answer(r: Repl, input: string): Promise<void> {
  const ac = new AbortController();
  r.streaming = ac;
  const resumeRedraws = canRedraw ? holdResizeRedraws() : () => {};
  const lifecycle = r.notes.begin(r.session.conversation);
  const spinner = r.ui.spinner("thinking");
  let last = "";
  try {
    checkAttachments(r.attached, input);
    const attachments = r.attached.map((a) => attachmentPart(a, r.session.store));
    r.attached = [];
    const t = await r.session.turn(input, {
      signal: ac.signal,
      features: r.features,
      attachments,
      onReasoning: (chunk) => {
        spinner.stop();
        r.ui.reasoning(chunk);
      },
      onAutoProfile: r.notes.autoProfile(() => spinner.stop()),
      onText: (chunk) => {
        spinner.stop();
        r.ui.reasoning("");
        out(chunk);
        last = chunk.at(-1) ?? last;
      },
    });
    spinner.stop();
    if (t.text && last !== "\n") out("\n");
    await lifecycle.settle(t.status === "complete");
    if (!t.target.primary && !t.error) r.ui.info(fallbackNote(t));
    if (t.status === "interrupted") r.say(color.yellow("(stopped; the partial answer was kept)"));
    else if (t.error) r.ui.error(t.error);
  } catch (e) {
    spinner.stop();
    r.ui.error(e);
  } finally {
    r.streaming = undefined;
    resumeRedraws();
  }
}

/** A slash command (/help, /model, /attach...): one line. */
async function command(r: Repl, text: string) {
  const cmd = text.split(/\s+/, 1)[0]!;
  const arg = text.slice(cmd.length).trim();
  const c = r.session.conversation;
  try {
    switch (cmd) {
      case "/help":
        r.say(HELP);
        return;
      case "/exit":
      case "/quit":
        r.close();
        return;
      case "/model": {
        if (!arg) return r.say(`model: ${c.model}`);
        const m = await r.session.setModel(arg);
        return r.say(color.green(`model: ${m.model}`));
      }
      case "/system":
        if (arg) c.system = arg;
        else delete c.system;
        return r.say(color.green(arg ? "system prompt set" : "system prompt removed"));
      case "/clear": {
        r.session.restart();
        return r.say(color.green("new conversation"));
      }
      case "/usage":
        return r.say(`${turnCount(c)} turns · ${usageLine(c.usage, { usd: conversationCost(c) })}`);
      case "/attach": {
        if (!arg) return r.say(r.attached.length ? `attached: ${r.attached.map((a) => a.name).join(", ")}` : color.yellow("usage: /attach PATH"));
        const a = readAttachment(arg.replace(/^~(?=\/)/, process.env.HOME ?? "~"));
        checkAttachments([...r.attached, a], "(checked again with the message)");
        r.attached.push(a);
        return r.say(color.green(`attached ${a.name} (${a.format}, ${a.bytes.length} bytes) to the next message`));
      }
      case "/save": {
        if (!arg) return r.say(color.yellow("usage: /save PATH"));
        const path = saveConversation(c, r.session.storeForRead, arg.replace(/^~(?=\/)/, process.env.HOME ?? "~"));
        return r.say(color.green(`saved a copy to ${path}`));
      }
      default:
        r.say(color.yellow(`unknown command ${cmd}; /help lists them`));
    }
  } catch (e) {
    r.ui.error(e);
  }
}
