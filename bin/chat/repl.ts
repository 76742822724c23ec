// The interactive REPL: line editing and history from readline, multi-line input (a trailing backslash, or a paste),
// slash commands, answers streamed to stdout, and Ctrl-C that stops an answer without leaving the chat.
import { createInterface, type Interface } from "node:readline";
import { newConversation, turnCount } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import type { Session } from "../../lib/chat/session.ts";
import { color, type Ui } from "../shared/ui.ts";
import { fallbackNote } from "../../lib/bedrock/failover.ts";
import { err, out } from "../shared/io.ts";

const HELP = `commands:
  /help            this list
  /model M         switch model (custom:<region>:<model-id>)
  /system TEXT     set the system prompt (empty: remove it)
  /clear           start a new conversation
  /usage           tokens used so far
  /save PATH       write a copy of the conversation to PATH
  /exit            leave (also Ctrl-D, or Ctrl-C at an empty prompt)
end a line with \\ to continue on the next line; pasted text is sent as one message`;

// lines arriving closer together than this are one paste, sent as a single message
const PASTE_GAP_MS = 30;

export async function repl(session: Session, ui: Ui) {
  const rl: Interface = createInterface({ input: process.stdin, output: process.stderr, terminal: true, historySize: 500, prompt: color.cyan("> ") });
  const say = (s: string) => err(`${s}\n`);
  say(color.gray(`redux-chat · ${session.conversation.model} · /help for commands`));

  let streaming: AbortController | undefined;
  let pending: string[] = [];
  let pasteTimer: ReturnType<typeof setTimeout> | undefined;
  let busy = Promise.resolve();
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

  rl.on("SIGINT", () => {
    if (streaming) {
      streaming.abort();
      return;
    }
    if (rl.line.length === 0 && pending.length === 0) {
      err("\n");
      close();
      return;
    }
    pending = [];
    err("^C\n");
    prompt();
  });
  rl.on("close", () => {
    closed = true;
    done();
  });

  const submit = () => {
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

  async function handle(input: string) {
    const text = input.trim();
    if (!text) return;
    if (text.startsWith("/")) return command(text);
    const ac = new AbortController();
    streaming = ac;
    const spinner = ui.spinner("thinking");
    let last = "";
    try {
      const r = await session.turn(input, {
        signal: ac.signal,
        onText: (chunk) => {
          spinner.stop();
          out(chunk);
          last = chunk.at(-1) ?? last;
        },
      });
      spinner.stop();
      if (r.text && last !== "\n") out("\n");
      if (!r.target.primary && !r.error) ui.info(fallbackNote(r));
      if (r.status === "interrupted") say(color.yellow("(stopped; the partial answer was kept)"));
      else if (r.error) ui.error(r.error);
    } catch (e) {
      spinner.stop();
      ui.error(e);
    } finally {
      streaming = undefined;
    }
  }

  async function command(text: string) {
    const cmd = text.split(/\s+/, 1)[0]!;
    const arg = text.slice(cmd.length).trim();
    const c = session.conversation;
    try {
      switch (cmd) {
        case "/help":
          say(HELP);
          return;
        case "/exit":
        case "/quit":
          close();
          return;
        case "/model": {
          if (!arg) return say(`model: ${c.model}`);
          const m = await session.setModel(arg);
          return say(color.green(`model: ${m.model}`));
        }
        case "/system":
          if (arg) c.system = arg;
          else delete c.system;
          return say(color.green(arg ? "system prompt set" : "system prompt removed"));
        case "/clear": {
          session.close();
          session.conversation = newConversation({ model: c.model, region: c.region, model_id: c.model_id, system: c.system, inference_config: c.inference_config });
          session.path = undefined;
          return say(color.green("new conversation"));
        }
        case "/usage":
          return say(`${turnCount(c)} turns · input ${c.usage.input_tokens} · output ${c.usage.output_tokens} · total ${c.usage.total_tokens} tokens`);
        case "/save": {
          if (!arg) return say(color.yellow("usage: /save PATH"));
          const path = saveConversation(c, session.storeForRead, arg.replace(/^~(?=\/)/, process.env.HOME ?? "~"));
          return say(color.green(`saved a copy to ${path}`));
        }
        default:
          say(color.yellow(`unknown command ${cmd}; /help lists them`));
      }
    } catch (e) {
      ui.error(e);
    }
  }

  prompt();
  await finished;
  await busy;
}
