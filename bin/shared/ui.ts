// The one place that decides how redux talks to a person: everything on stderr, colours only on a TTY without
// NO_COLOR, a spinner only on a TTY, nothing but errors under --quiet, and secrets never printed.
import type { ConsolaInstance } from "consola";
import { isReduxError, ReduxError, ExitCode } from "../../lib/errors.ts";
import { redactText } from "../../lib/redact.ts";
import { err, isTTY } from "./io.ts";

export interface UiOptions {
  quiet?: boolean;
  debug?: boolean;
}

export interface Spinner {
  stop(): void;
}

const env = process.env;
export const stderrIsTTY = isTTY(2);
export const stdinIsTTY = isTTY(0);
export const useColor = !env.NO_COLOR && env.TERM !== "dumb" && (Boolean(env.FORCE_COLOR) || stderrIsTTY);

const paint = (code: number) => (s: string) => (useColor ? `\u001B[${code}m${s}\u001B[0m` : s);
export const color = { red: paint(31), green: paint(32), yellow: paint(33), cyan: paint(36), gray: paint(90), bold: paint(1) };

/** Every string that must never reach the screen: secrets from the environment, scrubbed from all output. */
const SECRET_ENV = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "REDUX_ENCRYPTION_KEY"];
const secrets = () => SECRET_ENV.map((k) => env[k] ?? "").filter((s) => s.length >= 8);
export const scrub = (s: string) => redactText(s, secrets());

export interface Ui {
  readonly quiet: boolean;
  readonly debugEnabled: boolean;
  readonly logger: ConsolaInstance;
  info(msg: string): void;
  success(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
  /** One clear line plus a hint; the stack only with --debug. */
  error(err: unknown): void;
  spinner(text: string): Spinner;
}

export function createUi(o: UiOptions = {}): Ui {
  // consola is evaluated on first use: a one-shot prompt that succeeds never pays for it
  let instance: ConsolaInstance | undefined;
  const logger = () =>
    (instance ??= (require("consola") as typeof import("consola")).createConsola({
      level: o.quiet ? 0 : o.debug ? 4 : 3,
      stdout: process.stderr,
      stderr: process.stderr,
      formatOptions: { colors: useColor, date: false, compact: true },
    }));
  const ui: Ui = {
    quiet: Boolean(o.quiet),
    debugEnabled: Boolean(o.debug),
    get logger() {
      return logger();
    },
    info: (m) => logger().info(scrub(m)),
    success: (m) => logger().success(scrub(m)),
    warn: (m) => logger().warn(scrub(m)),
    debug: (m) => {
      if (o.debug) err(`${color.gray(`[debug] ${scrub(m)}`)}\n`);
    },
    error(thrown) {
      const e: ReduxError = isReduxError(thrown)
        ? thrown
        : new ReduxError(ExitCode.internal, `internal error: ${(thrown as Error)?.message ?? String(thrown)}`, "run again with --debug and report the trace");
      err(`${color.red("error:")} ${scrub(e.message)}\n`);
      if (e.hint) err(`${color.gray("hint:")} ${scrub(e.hint)}\n`);
      if (o.debug) {
        const stack = (isReduxError(thrown) ? (thrown.cause as Error | undefined)?.stack ?? thrown.stack : (thrown as Error)?.stack) ?? "";
        if (stack) err(`${color.gray(scrub(stack))}\n`);
      }
    },
    spinner(text) {
      if (!stderrIsTTY || o.quiet) return { stop() {} };
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
