// An attachment that changes between the input's check and its item's run (deleted, emptied): that item fails alone,
// its line says why, nothing is sent for it, the other items complete, and the run ends with exit 7 (partial).
import { expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, withFakeAws, type FakeAwsContext } from "./harness.ts";
import { assertValid } from "../schema.ts";

let ctx: FakeAwsContext;
withFakeAws((c) => (ctx = c));

test("a batch attachment deleted or emptied after the input was read fails only its item", async () => {
  const file = (name: string, text: string) => {
    const p = join(ctx.home, name);
    writeFileSync(p, text);
    return p;
  };
  const gone = file("gone.txt", "notes that will be deleted\n");
  const emptied = file("emptied.md", "# notes that will be emptied\n");
  const input = file(
    "in.jsonl",
    [
      // the first item is slow: the files change while it runs, after the whole input was checked
      { id: "first", prompt: "one", model: "custom:us-east-1:fake.delay-600ms" },
      { id: "deleted", prompt: "two", attachments: ["gone.txt"] },
      { id: "emptied", prompt: "three", attachments: ["emptied.md"] },
      { id: "last", prompt: "four" },
    ].map((l) => JSON.stringify(l)).join("\n") + "\n",
  );
  const out = join(ctx.home, "out.jsonl");
  const p = Bun.spawn([bin("redux-chat"), "batch", input, "-o", out, "-m", "custom:us-east-1:fake.batch", "--concurrency", "1"], {
    env: ctx.env,
    cwd: ctx.home,
    stdout: "pipe",
    stderr: "pipe",
  });
  const killer = setTimeout(() => p.kill("SIGKILL"), 30_000);
  // the first request reaching Bedrock means the input (attachments included) has been read and checked
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !ctx.fake.requests.some((q) => q.service === "bedrock")) await Bun.sleep(10);
  rmSync(gone);
  writeFileSync(emptied, "");
  const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  clearTimeout(killer);

  expect(code).toBe(7);
  expect(stderr).toContain("2 items failed");
  const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  for (const l of lines) assertValid("batch-output.schema.json", l);
  const by = Object.fromEntries(lines.map((l) => [l.id, l]));
  expect(Object.keys(by).sort()).toEqual(["deleted", "emptied", "first", "last"]);
  expect(by.first).toMatchObject({ status: "ok", text: "Echo: one" });
  expect(by.last).toMatchObject({ status: "ok", text: "Echo: four" });
  expect(by.deleted).toMatchObject({ status: "error", attempts: 0, error: { class: "usage", code: 2, message: `cannot attach ${gone}: no such file` } });
  expect(by.emptied).toMatchObject({ status: "error", attempts: 0, error: { class: "usage", code: 2, message: "cannot attach emptied.md: it is empty" } });
  // nothing was sent for the two that failed
  expect(ctx.fake.requests.filter((q) => q.service === "bedrock").map((q) => q.body.messages[0].content.at(-1).text)).toEqual(["one", "four"]);
}, 40_000);
