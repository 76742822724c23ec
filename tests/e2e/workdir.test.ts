// Nothing from the working directory: the compiled binaries must not read .env or bunfig.toml from where they are
// started (Bun's default for compiled programs), or a stray file could pick the model, the endpoint, the keys, or
// preload code.
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

describe("the working directory", () => {
  test("a .env there changes nothing: not the model, not the endpoint, not the keys", async () => {
    writeFileSync(
      join(home, ".env"),
      [
        "AMAZON_Q_MODEL=custom:us-east-1:fake.from-dotenv",
        "AWS_ENDPOINT_URL=http://127.0.0.1:1",
        "AWS_ACCESS_KEY_ID=AKIDFROMDOTENV000001",
        "AWS_SECRET_ACCESS_KEY=from-dotenv",
        "AWS_PROFILE=from-dotenv",
        "REDUX_CONVERSATIONS_DIR=/nonexistent/from-dotenv",
        "",
      ].join("\n"),
    );
    // no -m: a model read from .env would be used; without it there is none
    const none = await run(bin("redux-chat"), ["--no-save", "hello"], { env, cwd: home });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no model");
    expect(fake.requests.length).toBe(0);

    const r = await run(bin("redux-chat"), ["-m", MODEL, "hello"], { env, cwd: home });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Echo: hello\n");
    expect(fake.requests.filter((q) => q.service === "bedrock").map((q) => [q.modelId, q.accessKeyId])).toEqual([["us.anthropic.claude-3-5-sonnet-20241022-v2:0", env.AWS_ACCESS_KEY_ID]]);
    expect(existsSync(join(home, ".amazon-q", "conversations"))).toBe(true);

    const t = await run(bin("redux-test-model"), ["-m", MODEL, "--no-invoke", "--json"], { env, cwd: home });
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout).credential_source).toBe("env");
  });

  test("a bunfig.toml there preloads nothing", async () => {
    const marker = join(home, "preloaded");
    writeFileSync(join(home, "evil.js"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
    writeFileSync(join(home, "bunfig.toml"), 'preload = ["./evil.js"]\n[run]\npreload = ["./evil.js"]\n');
    for (const name of ["redux-chat", "redux-export", "redux-test-model"] as const) {
      const r = await run(bin(name), ["--version"], { env, cwd: home });
      expect(r.code).toBe(0);
      expect({ name, preloaded: existsSync(marker) }).toEqual({ name, preloaded: false });
    }
    const r = await run(bin("redux-chat"), ["-m", MODEL, "--no-save", "hi"], { env, cwd: home });
    expect(r.code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });
});
