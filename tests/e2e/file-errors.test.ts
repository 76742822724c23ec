// File-system trouble as a person meets it: one `error:` line naming the path and what failed, a `hint:`, exit 2 for a
// path that cannot be used as given or 9 for a full or failing disk; never "internal error". Also the encrypted
// newest conversation that `-c` must not silently skip.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, run, withFakeAws } from "./harness.ts";

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const KEY = Buffer.alloc(32, 7).toString("hex");
let fake: FakeAws;
let home: string;
let env: Record<string, string>;
withFakeAws((ctx) => ({ fake, home, env } = ctx));

const chat = (args: string[], e = env) => run(bin("redux-chat"), args, { env: e });
const convDir = () => join(home, ".amazon-q", "conversations");
const files = () => (existsSync(convDir()) ? readdirSync(convDir()).filter((n) => n.endsWith(".json")).sort() : []);

describe("-c and --last with an encrypted newest conversation", () => {
  test("no key: exit 2 'the newest conversation is encrypted' with a key hint, never an older plaintext one", async () => {
    expect((await chat(["-m", MODEL, "plain and old"])).code).toBe(0);
    await Bun.sleep(20);
    expect((await chat(["-m", MODEL, "secret and new"], { ...env, REDUX_ENCRYPTION_KEY: KEY })).code).toBe(0);
    const before = files().map((n) => readFileSync(join(convDir(), n), "utf8"));
    fake.reset();
    const r = await chat(["-c", "go on"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBe(2);
    expect(lines[0]).toStartWith("error: the newest conversation is encrypted and no key was given: ");
    expect(lines[1]).toStartWith("hint: pass --key-file PATH or set REDUX_ENCRYPTION_KEY");
    expect(fake.requests.length).toBe(0);
    expect(files().map((n) => readFileSync(join(convDir(), n), "utf8"))).toEqual(before);
    const last = await run(bin("redux-export"), ["--last"], { env });
    expect(last.code).toBe(2);
    expect(last.stderr).toContain("the newest conversation is encrypted");
    // with the key, -c continues the encrypted one
    const ok = await chat(["-c", "go on"], { ...env, REDUX_ENCRYPTION_KEY: KEY });
    expect(ok.code).toBe(0);
    expect(fake.requests.at(-1)!.body.messages[0].content[0].text).toBe("secret and new");
  });
});
