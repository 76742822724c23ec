import { describe, expect, test } from "bun:test";
import { convertQState, importedId, QFormatError, type QSource } from "../../../lib/conversations/amazon-q.ts";
import { messageFullText, toBedrockMessages } from "../../../lib/conversations/conversation.ts";
import { legacyConversation, prompt, response, state, toolConversation } from "../../fakes/amazon-q-history.ts";
import { assertValidConversation } from "../../schema.ts";

const src = (s: unknown, o: Partial<QSource> = {}): QSource => ({ origin: "/tmp/q.json", state: s, mtime: new Date("2026-11-01T00:00:00Z"), ...o });
const NOW = new Date("2026-11-30T00:00:00Z");

describe("convertQState", () => {
  test("newer shape: tool uses and results become parts, timestamps, model and working directory are kept", () => {
    const c = convertQState(src(toolConversation()), NOW);
    assertValidConversation(c);
    expect(c.conversation_id).toBe("q-6d3c1e2a-1111-4b7c-9d0e-aaaaaaaaaaaa");
    expect(c.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(c.messages[0]!.content).toEqual([{ text: "list the files here" }]);
    expect(c.messages[1]!.content).toEqual([{ text: "Let me look." }, { tool_use: { id: "tooluse_1", name: "execute_bash", input: { command: "ls" } } }]);
    expect(c.messages[2]!.content).toEqual([{ tool_result: { tool_use_id: "tooluse_1", status: "success", content: [{ json: { stdout: "a.txt\nb.txt", exit_status: "0" } }] } }]);
    expect(c.messages[0]!.timestamp).toBe("2026-10-01T09:00:00.000Z");
    expect(c.messages[1]!.timestamp).toBe("2026-10-01T09:00:01.500Z");
    expect(c.messages[1]).toMatchObject({ model: "claude-sonnet-4", latency_ms: 1500, status: "complete" });
    expect(c.created_at).toBe("2026-10-01T09:00:00.000Z");
    expect(c.updated_at).toBe("2026-10-01T09:00:03.000Z");
    expect(c.source).toEqual({ kind: "amazon-q-cli", conversation_id: "6d3c1e2a-1111-4b7c-9d0e-aaaaaaaaaaaa", origin: "/tmp/q.json", cwd: "/srv/app", model: "claude-sonnet-4", message_count: 4, imported_at: NOW.toISOString() });
  });

  test("older shape: pairs, a legacy model string, cancelled tool uses with a prompt, no timestamps (the file's time stands in)", () => {
    const c = convertQState(src(legacyConversation()), NOW);
    assertValidConversation(c);
    expect(c.model_id).toBe("CLAUDE_3_7_SONNET_20250219_V1_0");
    expect(c.source?.cwd).toBe("/home/me/legacy");
    expect(c.messages[2]!.content).toEqual([
      { tool_result: { tool_use_id: "tooluse_9", status: "error", content: [{ text: "Tool use was cancelled by the user" }] } },
      { text: "never mind, stop" },
    ]);
    for (const m of c.messages) expect(m.timestamp).toBe("2026-11-01T00:00:00.000Z");
  });

  test("the database row key is the working directory; a prompt never answered is kept and the conversation is interrupted", () => {
    const s = state("abc", [{ user: prompt("hi"), assistant: response("hello") }], { next_message: prompt("and then?") });
    const c = convertQState(src(s, { key: "/work/repo", origin: "/db#/work/repo" }), NOW);
    expect(c.source?.cwd).toBe("/work/repo");
    expect(c.messages.at(-1)).toMatchObject({ role: "user", content: [{ text: "and then?" }] });
    expect(c.status).toBe("interrupted");
    expect(c.source?.message_count).toBe(3);
  });

  test("tool parts are sent to Bedrock as text (no tool definitions are sent) and exported as text", () => {
    const c = convertQState(src(toolConversation()), NOW);
    const sent = toBedrockMessages(c);
    expect(sent[1]!.content.map((b) => b.text).join("\n")).toContain('[tool use execute_bash (tooluse_1): {"command":"ls"}]');
    expect(messageFullText(c.messages[2]!)).toContain("[tool result tooluse_1 (success):");
  });

  test("not a conversation: each reason is named", () => {
    expect(() => convertQState(src([1, 2]))).toThrow(QFormatError);
    expect(() => convertQState(src({ history: [] }))).toThrow("no conversation_id");
    expect(() => convertQState(src(state("x", [{ user: prompt("a"), assistant: { Weird: {} } }])))).toThrow("unknown assistant kind Weird");
    expect(() => convertQState(src(state("x", [{ user: { content: { Nope: {} } }, assistant: response("a") }])))).toThrow("unknown user content kind Nope");
    expect(() => convertQState(src(state("x", ["junk"])))).toThrow("neither");
  });

  test("ids: q- and the source id, or a hash when the source id has other characters", () => {
    expect(importedId("6d3c1e2a-1111")).toBe("q-6d3c1e2a-1111");
    expect(importedId("../../etc/passwd")).toMatch(/^q-[0-9a-f]{32}$/);
    expect(importedId("../../etc/passwd")).toBe(importedId("../../etc/passwd"));
  });
});
