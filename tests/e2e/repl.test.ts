// The REPL as a person uses it: the compiled binary in a real terminal (tmux), keys sent, the screen read back.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, chmodSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { bin, fakeEnv, run, withFakeAws } from "./harness.ts";
import { startScript, terminal, tmuxPath } from "../helpers/tmux.ts";
import { assertValidConversation } from "../schema.ts";

if (!tmuxPath) console.warn("SKIPPED: tmux is not installed (apt-get install tmux); the REPL end-to-end tests did not run");

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
let fake: FakeAws;
let home: string;
// a server per test (as tests/e2e/terminal.test.ts): one started right after kill-server can find the old one still
// exiting, and the next test's window never opens
let tests = 0;
let socket = "";
const session = "repl";

const { tmux, keys, type, waitFor, open } = terminal(() => socket, session);

const start = (args: string[]) => open(startScript(home, fakeEnv(home, fake.url, { TERM: "xterm-256color" }), bin("redux-chat"), args), 160, 50);

const conversations = () => {
  const dir = join(home, ".amazon-q", "conversations");
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".json")).map((n) => JSON.parse(readFileSync(join(dir, n), "utf8"))) : [];
};

describe.skipIf(!tmuxPath)("interactive REPL in a real terminal", () => {
  withFakeAws((ctx) => ({ fake, home } = ctx), { chunkDelayMs: 5 });
  beforeEach(() => void (socket = `redux-test-${process.pid}-${++tests}`));
  afterEach(() => void tmux("kill-server"));

  test("multi-turn chat with history, slash commands, multi-line input and Ctrl-D", async () => {
    // /save writes into the working directory: a shared one (sticky, group- and world-readable) keeps its mode
    chmodSync(home, 0o1755);
    start(["-m", MODEL]);
    await waitFor((s) => s.includes("/help for commands"), "the banner");
    type("hello there");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: hello there"), "the first answer");
    type("second line one\\");
    keys("Enter");
    type("line two");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: second line one"), "the multi-line answer");
    expect(fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.messages.at(-1).content[0].text).toBe("second line one\nline two");
    expect(fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.messages.length).toBe(3);
    // each turn on a connection of its own: one kept alive between turns can be dropped silently while the person is
    // idle (a NAT or firewall forgetting it, a laptop asleep), and the next turn would wait out --timeout on it
    const turns = fake.requests.filter((q) => q.operation === "ConverseStream");
    expect(turns.map((q) => typeof q.connection)).toEqual(["number", "number"]);
    expect(turns[1]!.connection).not.toBe(turns[0]!.connection);
    type("/usage");
    keys("Enter");
    await waitFor((s) => /2 turns · \d+ in · \d+ out · \d+ total tokens · \$[0-9.]+/.test(s), "/usage");
    // up arrow recalls the last line
    keys("Up");
    await waitFor((s) => s.trimEnd().split("\n").at(-1)!.includes("/usage"), "history recall");
    keys("C-u");
    type("/save copy.json");
    keys("Enter");
    await waitFor((s) => s.includes("saved a copy to"), "/save");
    type("/model custom:mars-1:x");
    keys("Enter");
    await waitFor((s) => s.includes("error:") && s.includes("region"), "a refused /model");
    keys("C-d");
    await waitFor((s) => s.includes("[exit 0]"), "a clean exit");
    const [c] = conversations();
    assertValidConversation(c);
    expect(c.messages.length).toBe(4);
    const copy = JSON.parse(readFileSync(join(home, "copy.json"), "utf8"));
    expect(copy.conversation_id).toBe(c.conversation_id);
    expect(statSync(home).mode & 0o7777).toBe(0o1755);
    expect(statSync(join(home, "copy.json")).mode & 0o777).toBe(0o600);
  });

  test("Ctrl-C stops a streaming answer, keeps it, and returns to the prompt; /clear starts anew", async () => {
    start(["-m", "custom:us-east-1:fake.stall-mid", "--timeout", "30"]);
    await waitFor((s) => s.includes("/help for commands"), "the banner");
    type("tell me a story");
    keys("Enter");
    const end = Date.now() + 5000;
    while (fake.requests.length === 0 && Date.now() < end) await Bun.sleep(50);
    await Bun.sleep(500);
    keys("C-c");
    await waitFor((s) => s.includes("stopped; the partial answer was kept"), "the interruption note");
    let [c] = conversations();
    expect(c.status).toBe("interrupted");
    expect(c.messages[1].status).toBe("interrupted");
    type(`/model ${MODEL}`);
    keys("Enter");
    await waitFor((s) => s.includes(`model: ${MODEL}`), "/model");
    type("/clear");
    keys("Enter");
    await waitFor((s) => s.includes("new conversation"), "/clear");
    type("fresh start");
    keys("Enter");
    await waitFor((s) => /Echo: fresh start\n> $/.test(s.trimEnd() + " "), "an answer in the new conversation, then the prompt");
    keys("C-c");
    await waitFor((s) => s.includes("[exit 0]"), "Ctrl-C at an empty prompt exits");
    const all = conversations();
    expect(all.length).toBe(2);
    for (c of all) assertValidConversation(c);
  });

  test("a REPL not started with -c holds its conversation's lock: -c elsewhere is refused until /clear lets it go", async () => {
    start(["-m", MODEL]);
    await waitFor((s) => s.includes("/help for commands"), "the banner");
    type("q1");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: q1"), "the first answer");
    const env = fakeEnv(home, fake.url);
    const other = (prompt: string) => run(bin("redux-chat"), ["-c", prompt], { env });
    const refused = await other("q2");
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain("is in use by process");
    // the REPL's next turn is saved on top of its own history, with nothing lost
    type("q3");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: q3"), "the second answer");
    let [c] = conversations();
    expect(c.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: { text: string }[] }) => m.content[0]!.text)).toEqual(["q1", "q3"]);
    // /clear: the old conversation is free for -c; the new one is the REPL's
    type("/clear");
    keys("Enter");
    await waitFor((s) => s.includes("new conversation"), "/clear");
    expect((await other("q4")).code).toBe(0);
    type("q5");
    keys("Enter");
    await waitFor((s) => s.includes("Echo: q5"), "an answer in the new conversation");
    expect((await other("q6")).code).toBe(8);
    keys("C-d");
    await waitFor((s) => s.includes("[exit 0]"), "a clean exit");
    const prompts = conversations().map((x) => x.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: { text: string }[] }) => m.content[0]!.text)).sort();
    expect(prompts).toEqual([["q1", "q3", "q4"], ["q5"]]);
    expect((await other("q7")).code).toBe(0);
  });
});
