// Bad input as a new user types it, from the compiled binaries: one `error:` line naming the problem in plain words,
// a `hint:`, exit 2, nothing on stdout, no stack trace. No network: every case is refused before any request.
import { describe, expect, test } from "bun:test";
import { bin, run, withTempHome } from "./harness.ts";

let home: string;
let env: Record<string, string>;
withTempHome((ctx) => ({ home, env } = ctx), { once: true, extra: { AWS_EC2_METADATA_DISABLED: "true" } });

const M = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";

function expectUsage(r: { code: number; stdout: string; stderr: string }) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines[0]).toStartWith("error: ");
  expect(lines[1]).toStartWith("hint: ");
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("usage errors", () => {
  test("a missing --key-file names the path and the reason, not Node's message", async () => {
    const r = await run(bin("redux-chat"), ["-m", M, "--key-file", "/nonexistent/key", "hi"], { env });
    expectUsage(r);
    expect(r.stderr).toContain("error: cannot read the key file /nonexistent/key: no such file or directory (ENOENT)\n");
    expect(r.stderr).not.toContain("stat '");
  });

  test("--timeout out of range suggests a usual value", async () => {
    const r = await run(bin("redux-chat"), ["-m", M, "--timeout", "0", "hi"], { env });
    expectUsage(r);
    expect(r.stderr).toContain("error: --timeout must be a number of seconds from 1 to 3600, got \"0\"\nhint: e.g. --timeout 120\n");
  });

  test("batch cancel prints job ids, so --json is refused as unknown; batch status takes it", async () => {
    const c = await run(bin("redux-chat"), ["batch", "cancel", "out.jsonl", "--json"], { env });
    expectUsage(c);
    expect(c.stderr).toContain("error: unknown option --json");
    const s = await run(bin("redux-chat"), ["batch", "status", "out.jsonl", "--json"], { env });
    expectUsage(s);
    expect(s.stderr).toContain("no Bedrock batch state for out.jsonl");
  });

  test("batch status and cancel describe --timeout as the control-plane call's, not the answer's", async () => {
    for (const sub of ["status", "cancel"]) {
      const r = await run(bin("redux-chat"), ["batch", sub, "--help"], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/--timeout=<seconds>\s+seconds to wait for each control-plane call \(default 60\)/);
      expect(r.stdout).not.toContain("first answer event");
    }
  });

  test("models --help names every region source it reads, as the README does", async () => {
    const r = await run(bin("redux-chat"), ["models", "--help"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("region to list (default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's)");
  });

  test("export filters with --last or an id are refused, not silently ignored", async () => {
    const last = await run(bin("redux-export"), ["--last", "--model", "sonnet"], { env });
    expectUsage(last);
    expect(last.stderr).toContain("error: --model selects conversations for --all (and redux-export list), not for --last\n");
    const id = await run(bin("redux-export"), ["0b6f3a2c", "--since", "7d"], { env });
    expectUsage(id);
    expect(id.stderr).toContain("error: --since selects conversations for --all (and redux-export list), not for ID|PATH\n");
  });

  test("--attach-type without --attach - is refused, not ignored", async () => {
    const r = await run(bin("redux-chat"), ["-m", M, "--attach-type", "png", "hi"], { env });
    expectUsage(r);
    expect(r.stderr).toContain("error: --attach-type says the type of --attach - (stdin); there is none\n");
  });
});
