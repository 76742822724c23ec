// `redux-chat completion bash|zsh|fish` from the compiled binary: the bash script is loaded into a real bash and asked
// to complete, model values come from the discovery cache with no network call, and the other shells' scripts parse.
import { describe, expect, test } from "bun:test";
import { dirname } from "node:path";
import { bin, run, withFakeAws, type FakeAwsContext } from "./harness.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const chat = (args: string[]) => run(bin("redux-chat"), args, { env: ctx.env });

/** Completes COMP_LINE in a real bash with the script loaded; the candidates, one a line. */
async function complete(line: string) {
  const words = line.split(" ");
  const script = [
    'eval "$(redux-chat completion bash)"',
    `COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}`,
    `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")}); COMP_CWORD=${words.length - 1}`,
    "_redux_complete",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const r = await run("bash", ["--norc", "-c", script], { env: { ...ctx.env, PATH: `${dirname(bin("redux-chat"))}:${ctx.env.PATH}` } });
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean);
}

describe("shell completion", () => {
  test("bash: subcommands, flags, and model strings from the cache only (no network while completing)", async () => {
    expect(await complete("redux-chat mo")).toEqual(["models"]);
    expect(await complete("redux-chat --max")).toEqual(["--max-tokens"]);
    expect(await complete("redux-chat models --all")).toEqual(["--all-regions"]);
    expect(await complete("redux-chat completion ")).toEqual(["bash", "zsh", "fish"]);
    // nothing cached yet: no candidates, and no call made
    expect(await complete("redux-chat -m custom:")).toEqual([]);
    expect(ctx.fake.requests).toHaveLength(0);
    expect((await chat(["models", "--json"])).code).toBe(0);
    ctx.fake.reset();
    // bash splits words at ':': only the part after the last ':' is offered
    expect(await complete("redux-chat -m custom:us-east-1:us.")).toEqual([
      "us.amazon.nova-micro-v1:0",
      "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      "us.meta.llama3-2-90b-instruct-v1:0",
    ]);
    expect(await complete("redux-test-model --model custom:us-east-1:anthropic.claude-3-5")).toEqual(["anthropic.claude-3-5-sonnet-20241022-v2:0"]);
    expect(ctx.fake.requests).toHaveLength(0);
    const list = await chat(["completion", "models"]);
    expect(list.stdout.split("\n")).toContain("custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0");
  });

  test("zsh and fish scripts; an unknown shell is exit 2", async () => {
    const zsh = await chat(["completion", "zsh"]);
    expect(zsh.stdout.split("\n")[0]).toBe("#compdef redux-chat redux-test-model");
    expect(zsh.stdout).toContain("redux-chat completion models");
    const fish = await chat(["completion", "fish"]);
    expect(fish.stdout).toContain("complete -c $cmd -s m -l model -x");
    for (const [shell, check] of [["zsh", ["zsh", "-n"]], ["fish", ["fish", "--no-execute"]]] as const) {
      if (!Bun.which(shell)) {
        console.warn(`skipped: ${shell} is not installed, so its script is not parsed`);
        continue;
      }
      const file = `${ctx.home}/completion.${shell}`;
      await Bun.write(file, shell === "zsh" ? zsh.stdout : fish.stdout);
      const r = await run(check[0], [...check.slice(1), file], { env: ctx.env });
      expect({ shell, code: r.code, err: r.stderr }).toEqual({ shell, code: 0, err: "" });
    }
    const bad = await chat(["completion", "tcsh"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown shell "tcsh"');
  });
});
