// What every binary answers before it does any work: --version, --help (per subcommand), and bad flags.
import { afterAll, describe, expect, test } from "bun:test";
import { bin, run, scrubbedEnv, tempHome } from "./harness.ts";
import { assertValid } from "../schema.ts";
import { VERSION } from "../../lib/version.ts";
import { hostTarget } from "../../scripts/build.ts";
import { commands, subCommands } from "../../bin/commands.ts";

const { home, cleanup } = tempHome();
afterAll(() => cleanup());
const env = { ...scrubbedEnv(), HOME: home };

describe("every binary", () => {
  for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
    const subs = Object.keys(subCommands[name]);
    test(`${name}: --version, --help for it and its subcommands, a refused unknown flag`, async () => {
      const v = await run(bin(name), ["--version"], { env });
      expect({ code: v.code, err: v.stderr }).toEqual({ code: 0, err: "" });
      expect(v.stdout).toMatch(new RegExp(`^${name} ${VERSION} \\([0-9a-f]{7}(-dirty)? ${hostTarget()} \\d{4}-\\d{2}-\\d{2}\\)\\n$`));
      const j = await run(bin(name), ["--version", "--json"], { env });
      const info = JSON.parse(j.stdout);
      assertValid("version.schema.json", info);
      expect(info).toMatchObject({ name, version: VERSION, target: hostTarget() });
      const h = await run(bin(name), ["--help"], { env });
      expect(h.code).toBe(0);
      expect(h.stdout).toContain(`USAGE ${name}`);
      expect(h.stdout).not.toContain("\u001B[");
      for (const sub of subs) {
        const s = await run(bin(name), [sub, "--help"], { env });
        expect({ sub, code: s.code }).toEqual({ sub, code: 0 });
        expect(s.stdout).toContain(`USAGE ${name} ${sub}`);
      }
      const bad = await run(bin(name), ["--no-such-flag"], { env });
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe("");
      expect(bad.stderr).toContain("unknown option --no-such-flag");
      expect(bad.stderr).not.toContain("    at ");
    });
  }
});
