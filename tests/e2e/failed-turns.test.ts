// What happens to a turn that failed before any answer: its prompt stays in the file (nothing written is lost), and
// -c / --resume do not send it again, nor glue it to the next prompt.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bin, run, withFakeAws, type FakeAwsContext } from "./harness.ts";
import { assertValidConversation } from "../schema.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const chat = (args: string[]) => run(bin("redux-chat"), args, { env: ctx.env });
const saved = () => {
  const dir = join(ctx.home, ".amazon-q", "conversations");
  const [name, ...more] = readdirSync(dir).filter((n) => n.endsWith(".json"));
  expect(more).toEqual([]);
  return JSON.parse(readFileSync(join(dir, name!), "utf8"));
};

test("-c after a turn that failed before any answer sends only the new prompt; the failed one stays in the file", async () => {
  const failed = await chat(["-m", "custom:us-east-1:fake.access-denied", "first question"]);
  expect(failed.code).toBe(4);
  const ok = await chat(["-c", "-m", MODEL, "second question"]);
  expect(ok).toMatchObject({ code: 0, stdout: "Echo: second question\n" });
  const sent = ctx.fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.messages;
  expect(sent).toEqual([{ role: "user", content: [{ text: "second question" }] }]);
  const c = saved();
  assertValidConversation(c);
  expect(c.messages.map((m: { role: string; status?: string; content: { text: string }[] }) => [m.role, m.content[0]!.text, m.status ?? ""])).toEqual([
    ["user", "first question", ""],
    ["assistant", "", "error"],
    ["user", "second question", ""],
    ["assistant", "Echo: second question", "complete"],
  ]);
  // and the turn before it is history again once it has an answer
  await chat(["-c", "third"]);
  expect(ctx.fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.messages.map((m: { content: { text: string }[] }) => m.content.map((b) => b.text).join("|"))).toEqual([
    "second question",
    "Echo: second question",
    "third",
  ]);
});

test("--resume does the same with an answer cut off with no text (a stalled stream)", async () => {
  const stalled = await chat(["-m", "custom:us-east-1:fake.stall-first", "--timeout", "1", "lost question"]);
  expect(stalled.code).toBe(5);
  const id = saved().conversation_id;
  const ok = await chat(["--resume", id, "-m", MODEL, "asked again"]);
  expect(ok.code).toBe(0);
  expect(ctx.fake.requests.filter((q) => q.service === "bedrock").at(-1)!.body.messages).toEqual([{ role: "user", content: [{ text: "asked again" }] }]);
});
