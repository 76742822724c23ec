// What a person sees in a real terminal (tmux), with what the binaries wrote recorded byte for byte: the REPL's
// pastes, resizes, Ctrl-D and TERM=dumb, the credential check before its first prompt, `redux-export list` on an
// 80-column terminal, and colour decided per stream.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { bin, fakeEnv, withFakeAws } from "./harness.ts";
import { startScript, terminal, tmuxPath } from "../helpers/tmux.ts";

if (!tmuxPath) console.warn("SKIPPED: tmux is not installed (apt-get install tmux); the terminal end-to-end tests did not run");

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const ESC = "\u001B";
let fake: FakeAws;
let home: string;
// a server per test: a new one started right after kill-server can find the old one still exiting
let tests = 0;
let socket = "";
const win = "t";

const { tmux, screen, keys, type, waitFor, open } = terminal(() => socket, win);
/** Pastes text the way a terminal does: in one write, newlines as carriage returns. */
const paste = (text: string) => {
  tmux("set-buffer", "-b", "p", text);
  tmux("paste-buffer", "-b", "p", "-t", win);
};
/** Everything the program wrote to the terminal, escapes included. */
const raw = () => (existsSync(join(home, "raw.out")) ? readFileSync(join(home, "raw.out"), "utf8") : "");

/** Runs a binary in a terminal of the given size; `shell` is what follows the command (a redirection). */
function start(name: "redux-chat" | "redux-export" | "redux-test-model", args: string[], o: { env?: Record<string, string | undefined>; width?: number; shell?: string } = {}) {
  const env = fakeEnv(home, fake.url, { TERM: "xterm-256color", ...o.env });
  open(startScript(home, env, bin(name), args, { shell: o.shell, trapInt: true }), o.width ?? 120, 40);
  tmux("pipe-pane", "-o", "-t", win, `cat >> ${JSON.stringify(join(home, "raw.out"))}`);
}

const lastUserText = () => {
  const msgs = fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.messages;
  return msgs.at(-1).content.map((b: { text: string }) => b.text).join("|");
};

describe.skipIf(!tmuxPath)("in a real terminal", () => {
  withFakeAws((ctx) => ({ fake, home } = ctx), { chunkDelayMs: 5 });
  beforeEach(() => void (socket = `redux-term-${process.pid}-${++tests}`));
  afterEach(() => void tmux("kill-server"));

  test("REPL: no credentials is said before the first prompt, not after the first question", async () => {
    start("redux-chat", ["-m", MODEL], { env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });
    const s = await waitFor((x) => x.includes("[exit "), "the exit");
    expect(s).toContain("error: no AWS credentials found");
    expect(s).toContain("[exit 3]");
    expect(s).not.toContain("> ");
    expect(fake.requests).toEqual([]);
  });

  test("REPL: a paste without a trailing newline is one message with the line typed after it; Ctrl-D ends the line", async () => {
    start("redux-chat", ["-m", MODEL]);
    await waitFor((s) => s.includes("/help for commands"), "the banner");
    paste("line one\nline two\nline thr");
    await Bun.sleep(300);
    expect(fake.requests).toEqual([]);
    type("ee");
    keys("Enter");
    await waitFor((s) => /Echo: line one\nline two\nline three\n> *\n/.test(s), "the answer, then the prompt");
    expect(fake.requests.filter((q) => q.service === "bedrock").length).toBe(1);
    expect(lastUserText()).toBe("line one\nline two\nline three");
    keys("C-d");
    const s = await waitFor((x) => x.includes("[exit 0]"), "the exit");
    // the shell's next line starts on a line of its own, not after the REPL's prompt
    expect(s).toMatch(/\n>\s*\n\[exit 0\]/);
  });

  test("REPL: a pasted /system line followed by more lines sets the system prompt and sends the rest", async () => {
    start("redux-chat", ["-m", MODEL]);
    await waitFor((s) => s.includes("/help for commands"), "the banner");
    paste("/system be brief\nwhat is up\nand down\n");
    await waitFor((s) => s.includes("Echo: what is up"), "the answer");
    expect(fake.requests.filter((q) => q.service === "bedrock").length).toBe(1);
    expect(fake.requests.filter((q) => q.service === "bedrock")[0]!.body.system).toEqual([{ text: "be brief" }]);
    expect(lastUserText()).toBe("what is up\nand down");
  });

  test("REPL: resizing the terminal while an answer streams does not wipe it", async () => {
    start("redux-chat", ["-m", "custom:us-east-1:fake.stall-mid", "--timeout", "30"]);
    await waitFor((s) => s.includes("/help for commands"), "the banner");
    type("tell me a long story about the sea");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: tell"), "the first words");
    tmux("resize-window", "-t", win, "-x", "70", "-y", "40");
    await Bun.sleep(300);
    tmux("resize-window", "-t", win, "-x", "110", "-y", "40");
    await Bun.sleep(300);
    expect(screen()).toContain("Echo: tell");
    keys("C-c");
    const s = await waitFor((x) => x.includes("partial answer was kept"), "the stop");
    expect(s).toContain("Echo: tell");
  });

  test("REPL on TERM=dumb: no escape sequences at all, and the terminal's own line editing", async () => {
    start("redux-chat", ["-m", MODEL], { env: { TERM: "dumb", NO_COLOR: undefined } });
    await waitFor((s) => s.includes("/help for commands"), "the banner");
    type("hellp");
    keys("BSpace");
    type("o");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: hello"), "the answer");
    expect(lastUserText()).toBe("hello");
    type("never sent");
    keys("C-c");
    await Bun.sleep(200);
    keys("C-d");
    await waitFor((s) => s.includes("[exit 0]"), "the exit");
    expect(fake.requests.filter((q) => q.service === "bedrock").length).toBe(1);
    expect(raw()).toContain("Echo: hello");
    expect(raw()).not.toContain(ESC);
  });

  test("redux-export list fits 80 columns: the id prefix and status kept, the model and prompt cut", async () => {
    const dir = join(home, ".amazon-q", "conversations");
    for (const [model, prompt, status] of [
      ["custom:eu-west-1:eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "please write a very long explanation of how SigV4 signing works, with examples", "complete"],
      ["custom:us-east-1:us.amazon.nova-lite-v1:0", "short", "interrupted"],
    ] as const) {
      const c = newConversation({ model, region: model.split(":")[1]!, model_id: model.split(":").slice(2).join(":") });
      c.messages.push({ role: "user", content: [{ text: prompt }], timestamp: c.created_at });
      c.status = status;
      saveConversation(c, { dir });
    }
    start("redux-export", ["list"], { width: 80, env: { NO_COLOR: undefined } });
    const s = await waitFor((x) => x.includes("[exit 0]"), "the list");
    const lines = s.split("\n").filter((l) => l.trim() && !l.startsWith("[exit"));
    expect(lines.length).toBe(3);
    for (const l of lines) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^ID +UPDATED +MODEL +TOKENS +COST +STATUS +FIRST PRO/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]!.length)).toEqual([8, 8]);
    expect(lines.slice(1).some((l) => / interrupted +short$/.test(l))).toBe(true);
    expect(lines.slice(1).some((l) => / complete +please .*…$/.test(l))).toBe(true);
  });

  test("redux-export list with no conversations on a terminal: no header row, `no conversations` on stderr", async () => {
    start("redux-export", ["list"], { shell: "2> err.txt" });
    const s = await waitFor((x) => x.includes("[exit "), "the list");
    expect(s.split("\n").filter((l) => l.trim())).toEqual(["[exit 0]"]);
    expect(readFileSync(join(home, "err.txt"), "utf8")).toBe("no conversations\n");
  });

  test("colour is decided per stream: stdout sent to a file gets none while stderr is a terminal", async () => {
    start("redux-test-model", ["-m", MODEL, "--no-invoke"], { env: { NO_COLOR: undefined }, shell: "> out.txt" });
    await waitFor((s) => s.includes("[exit 0]"), "the run");
    const written = readFileSync(join(home, "out.txt"), "utf8");
    expect(written).toContain("✔ credentials");
    expect(written).not.toContain(ESC);
    // stderr is the terminal: its summary line is coloured
    expect(raw()).toContain(`${ESC}[32mall checks passed`);
  });
});
