// The one place that decides how redux talks to a person: everything on stderr in one layout (`error: …`,
// `hint: …`, `warning: …`, plain lines for the rest), colours only on a terminal without NO_COLOR (decided per
// stream), cursor movement only on a terminal that is not TERM=dumb, nothing but errors under --quiet, and secrets
// never printed. Lines are written here directly (the levels are one check): loading consola took longer than
// the rest of `redux-export list`.
import { isReduxError, ReduxError, ExitCode } from "../../lib/errors.ts";
import { systemFsError } from "../../lib/fs-errors.ts";
import { envSecrets, redactText } from "../../lib/redact.ts";
import { err, isTTY } from "./io.ts";

interface UiOptions {
  quiet?: boolean;
  debug?: boolean;
  /** The command being run (`redux-chat batch`), named in the hint of a usage error that has none of its own. */
  command?: string;
}

/** A hint for an error that came without one: every failure tells the person what to do next. */
const FALLBACK_HINT: Record<number, string> = {
  [ExitCode.internal]: "run again with --debug and report the trace",
  [ExitCode.credentials]: "check your AWS credentials; --debug shows each source tried",
  [ExitCode.access]: "check model access and the IAM permissions in that region",
  [ExitCode.unavailable]: "retry later",
  [ExitCode.rejected]: "check the model id and the inference settings",
  [ExitCode.partial]: "run the same command again to retry what failed",
  [ExitCode.locked]: "wait for the other process to finish",
  [ExitCode.interrupted]: "run the same command again",
};

interface Spinner {
  stop(): void;
}

const env = process.env;
const stderrIsTTY = isTTY(2);
export const stdinIsTTY = isTTY(0);
/** A terminal that understands cursor movement (`\r`, erase line): spinners, progress bars and line editing. */
export const canRedraw = stderrIsTTY && env.TERM !== "dumb";

const wantsColor = (fd: 1 | 2) => !env.NO_COLOR && env.TERM !== "dumb" && (Boolean(env.FORCE_COLOR) || isTTY(fd));
const useColor = wantsColor(2);

const palette = (on: boolean) => {
  const paint = (code: number) => (s: string) => (on ? `\u001B[${code}m${s}\u001B[0m` : s);
  return { red: paint(31), green: paint(32), yellow: paint(33), cyan: paint(36), gray: paint(90), bold: paint(1) };
};
/** Colours for stderr. */
export const color = palette(useColor);
/** Colours for stdout (redux-test-model's check lines, the list table): decided by stdout, which may be a file. */
export const colorOut = palette(wantsColor(1));

/** Every string that must never reach the screen: secrets from the environment, scrubbed from all output. */
export const scrub = (s: string) => redactText(s, envSecrets(env));

type LineKind = "error" | "hint" | "warning" | "info" | "success" | "debug";

/** The layout of every line for a person: a label for errors, hints, warnings and debug lines, nothing for the rest. */
export function formatLine(kind: LineKind, msg: string, c = color): string {
  const text = scrub(msg);
  switch (kind) {
    case "error":
      return `${c.red("error:")} ${text}`;
    case "hint":
      return `${c.gray("hint:")} ${text}`;
    case "warning":
      return `${c.yellow("warning:")} ${text}`;
    case "success":
      return c.green(text);
    case "debug":
      return c.gray(`[debug] ${text}`);
    default:
      return text;
  }
}

export interface Ui {
  readonly quiet: boolean;
  readonly debugEnabled: boolean;
  info(msg: string): void;
  success(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
  /** One clear line plus a hint; the stack only with --debug. */
  error(err: unknown): void;
  spinner(text: string): Spinner;
  /** The model's reasoning as it streams: dim on stderr; "" ends its line. Nothing with -q. */
  reasoning(chunk: string): void;
  /** `hint: …` on its own line (nothing with -q). */
  hint(msg: string): void;
  /** A command's closing line, `batch: 3 ok, …`: the label green when all went well, yellow when not (nothing with -q). */
  outcome(label: string, text: string, good: boolean): void;
  /** A line as it is (progress, a summary already coloured; nothing with -q). */
  line(text: string): void;
  /** Replaces the line being redrawn (progress on a terminal); "" clears it. Only where canRedraw. */
  redraw(text: string): void;
  /** The width of stderr's terminal (80 when unknown). */
  columns(): number;
}

export function createUi(o: UiOptions = {}): Ui {
  // info, success and warnings are what --quiet silences
  const say = (kind: LineKind, m: string) => {
    if (!o.quiet) err(`${formatLine(kind, m)}\n`);
  };
  let reasoningOpen = false;
  let reasoningEnd = "\n";
  const ui: Ui = {
    reasoning(chunk) {
      if (o.quiet) return;
      if (chunk === "") {
        if (reasoningOpen && reasoningEnd !== "\n") err("\n");
        reasoningOpen = false;
        return;
      }
      reasoningOpen = true;
      reasoningEnd = chunk.at(-1)!;
      err(color.gray(chunk));
    },
    quiet: Boolean(o.quiet),
    debugEnabled: Boolean(o.debug),
    info: (m) => say("info", m),
    success: (m) => say("success", m),
    warn: (m) => say("warning", m),
    debug: (m) => {
      if (o.debug) err(`${formatLine("debug", m)}\n`);
    },
    error(thrown) {
      const e: ReduxError = isReduxError(thrown)
        ? thrown
        : systemFsError(thrown) ?? new ReduxError(ExitCode.internal, `internal error: ${(thrown as Error)?.message ?? String(thrown)}`, "run again with --debug and report the trace");
      const hint = e.hint ?? (e.code === ExitCode.usage ? `see ${o.command ?? "--help"}${o.command ? " --help" : ""}` : FALLBACK_HINT[e.code]);
      err(`${formatLine("error", e.message)}\n`);
      if (hint) err(`${formatLine("hint", hint)}\n`);
      if (o.debug) {
        const stack = (isReduxError(thrown) ? (thrown.cause as Error | undefined)?.stack ?? thrown.stack : (thrown as Error)?.stack) ?? "";
        if (stack) err(`${color.gray(scrub(stack))}\n`);
      }
    },
    hint(msg) {
      if (!o.quiet) err(`${formatLine("hint", msg)}\n`);
    },
    outcome(label, text, good) {
      if (!o.quiet) err(`${good ? color.green(`${label}:`) : color.yellow(`${label}:`)} ${scrub(text)}\n`);
    },
    line(text) {
      if (!o.quiet) err(`${scrub(text)}\n`);
    },
    redraw(text) {
      if (canRedraw && !o.quiet) err(`\r\u001B[2K${text}`);
    },
    columns: () => process.stderr.columns || 80,
    spinner(text) {
      if (!canRedraw || o.quiet) return { stop() {} };
      const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
      let i = 0;
      const draw = () => err(`\r${color.cyan(frames[i++ % frames.length]!)} ${text}`);
      draw();
      const t = setInterval(draw, 80);
      let stopped = false;
      return {
        stop() {
          if (stopped) return;
          stopped = true;
          clearInterval(t);
          err("\r\u001B[2K");
        },
      };
    },
  };
  return ui;
}
