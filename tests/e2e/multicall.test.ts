// The multicall executable: one file that is redux-chat, redux-test-model or redux-export by the name it is invoked as
// (hard link, symlink, copy, renamed copy), and `redux <command>` too.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, linkSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { DIST, run, scrubbedEnv, tempHome } from "./harness.ts";
import { VERSION } from "../../lib/version.ts";

const { home, cleanup } = tempHome();
afterAll(() => cleanup());
const env = { ...scrubbedEnv(), HOME: home, NO_COLOR: "1" };
const redux = join(DIST, "redux");

const nameOf = async (file: string, args: string[] = []) => {
  const r = await run(file, [...args, "--version"], { env });
  expect({ code: r.code, err: r.stderr }).toEqual({ code: 0, err: "" });
  return r.stdout.split(" ")[0];
};

describe("one executable, every name", () => {
  test("hard links, symlinks, copies and renamed copies answer as the command they are named after", async () => {
    const dir = join(home, "bin");
    mkdirSync(dir);
    linkSync(redux, join(dir, "redux-chat"));
    symlinkSync(redux, join(dir, "redux-test-model"));
    copyFileSync(redux, join(dir, "redux-export"));
    chmodSync(join(dir, "redux-export"), 0o755);
    symlinkSync(join(dir, "redux-export"), join(dir, "redux-export-0.1.0"));
    expect(await nameOf(join(dir, "redux-chat"))).toBe("redux-chat");
    expect(await nameOf(join(dir, "redux-test-model"))).toBe("redux-test-model");
    expect(await nameOf(join(dir, "redux-export"))).toBe("redux-export");
    expect(await nameOf(join(dir, "redux-export-0.1.0"))).toBe("redux-export");
    // a name only begins with a command's when a `-` or `.` follows it; `.exe` goes in any case
    symlinkSync(redux, join(dir, "redux-chat.EXE"));
    symlinkSync(redux, join(dir, "redux-chat.old"));
    symlinkSync(redux, join(dir, "redux-chatty"));
    expect(await nameOf(join(dir, "redux-chat.EXE"))).toBe("redux-chat");
    expect(await nameOf(join(dir, "redux-chat.old"))).toBe("redux-chat");
    expect(await nameOf(join(dir, "redux-chatty"))).toBe("redux");
    expect(await nameOf(redux)).toBe("redux");
    // found on PATH (argv0 is then the bare name)
    const viaPath = await run("sh", ["-c", "redux-test-model --version"], { env: { ...env, PATH: `${dir}:${process.env.PATH}` } });
    expect(viaPath.stdout).toStartWith(`redux-test-model ${VERSION} (`);
    // a symlinked command still reads its own subcommands and flags
    const help = await run(join(dir, "redux-test-model"), ["--help"], { env });
    expect(help.stdout).toContain("USAGE redux-test-model");
  });

  test("redux <command> runs the command; no command or an unknown one is a usage error", async () => {
    expect(await nameOf(redux, ["chat"])).toBe("redux-chat");
    expect(await nameOf(redux, ["test-model"])).toBe("redux-test-model");
    expect(await nameOf(redux, ["redux-export"])).toBe("redux-export");
    const list = await run(redux, ["export", "list", "--json"], { env });
    expect({ code: list.code, out: list.stdout.trim() }).toEqual({ code: 0, out: "[]" });
    const sub = await run(redux, ["chat", "settings", "--help"], { env });
    expect(sub.stdout).toContain("USAGE redux-chat settings");
    const h = await run(redux, ["--help"], { env });
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("USAGE redux <command>");
    const j = await run(redux, ["--version", "--json"], { env });
    expect(JSON.parse(j.stdout)).toMatchObject({ name: "redux", version: VERSION });
    for (const args of [[], ["nope"]]) {
      const r = await run(redux, args, { env });
      expect({ code: r.code, out: r.stdout }).toEqual({ code: 2, out: "" });
      expect(r.stderr).toContain(args.length ? "unknown command nope" : "no command given");
      expect(r.stderr).toContain("redux --help");
    }
  });
});
