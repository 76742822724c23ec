// A real terminal for end-to-end tests: a tmux server of the test's own (-L SOCKET, no config file), a window running
// one compiled binary with exactly the environment it is given, its screen read back and keys sent to it.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const tmuxPath = Bun.which("tmux");

/** The tmux server on `socket` (a name, or a function when each test starts its own server) and its window `win`. */
export function terminal(socket: string | (() => string), win: string) {
  const tmux = (...args: string[]) =>
    Bun.spawnSync([tmuxPath!, "-L", typeof socket === "string" ? socket : socket(), "-f", "/dev/null", ...args], { stdout: "pipe", stderr: "pipe" }).stdout.toString();
  const screen = () => tmux("capture-pane", "-p", "-J", "-t", win, "-S", "-200");
  return {
    tmux,
    screen,
    keys: (...k: string[]) => tmux("send-keys", "-t", win, ...k),
    /** Text typed as it is (send-keys -l: no key names). */
    type: (text: string) => tmux("send-keys", "-t", win, "-l", text),
    /** The screen once `pred` holds; fails with the screen after `ms`. */
    async waitFor(pred: (s: string) => boolean, what: string, ms = 10_000) {
      const end = Date.now() + ms;
      let s = "";
      while (Date.now() < end) {
        s = screen();
        if (pred(s)) return s;
        await Bun.sleep(60);
      }
      throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
    },
    /** A new window of `width` × `height` running `script` (see startScript). */
    open: (script: string, width: number, height: number) => tmux("new-session", "-d", "-s", win, "-x", String(width), "-y", String(height), script),
  };
}

/**
 * The script a window runs (home/start.sh): in `home`, the binary with `args` and exactly `env` (env -i: the tmux
 * server carries whatever environment started it; the binary must see only the scrubbed one), then `shell` (a
 * redirection), its exit code as `[exit N]`, and a pause so the screen can still be read.
 */
export function startScript(home: string, env: Record<string, string | undefined>, file: string, args: string[], o: { shell?: string; trapInt?: boolean } = {}): string {
  const script = join(home, "start.sh");
  const pairs = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
  // trap (with TERM=dumb): Ctrl-C is a signal to the whole foreground group, which includes this script
  const trap = o.trapInt ? "trap : INT\n" : "";
  writeFileSync(script, `#!/bin/sh\n${trap}cd ${JSON.stringify(home)}\nenv -i ${pairs} ${JSON.stringify(file)} ${args.map((a) => JSON.stringify(a)).join(" ")}${o.shell ? ` ${o.shell}` : ""}\necho "[exit $?]"\nsleep 30\n`);
  chmodSync(script, 0o700);
  return script;
}
