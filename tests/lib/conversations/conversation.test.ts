import { expect, test } from "bun:test";
import { isConversationId, isPlainIsoDate, newConversation, parseConversation, toBedrockMessages, turnCount } from "../../../lib/conversations/conversation.ts";
import { editedStrings } from "../../helpers/edited-strings.ts";
import { assertValidConversation } from "../../schema.ts";

const base = () => newConversation({ model: "custom:us-east-1:m", region: "us-east-1", model_id: "m", system: "s", inference_config: { max_tokens: 5 } });

test("a new conversation is valid against the schema and the validator", () => {
  const c = base();
  assertValidConversation(c);
  expect(parseConversation(JSON.parse(JSON.stringify(c)))).toEqual(c);
  expect(c.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
});

test("the validator names what is wrong", () => {
  const c = base() as unknown as Record<string, unknown>;
  expect(() => parseConversation({ ...c, version: 2 })).toThrow(/version/);
  expect(() => parseConversation({ ...c, conversation_id: "../x" })).toThrow(/conversation_id/);
  expect(() => parseConversation({ ...c, messages: [{ role: "system", content: [], timestamp: "2026-01-01T00:00:00Z" }] })).toThrow(/messages\[0\].role/);
  expect(() => parseConversation({ ...c, usage: { input_tokens: -1, output_tokens: 0, total_tokens: 0 } })).toThrow(/usage/);
  expect(() => parseConversation([])).toThrow(/object/);
});

test("history sent to Bedrock: a turn that failed before any answer is not sent again (nor glued to the next prompt)", () => {
  const c = base();
  const t = new Date().toISOString();
  c.messages.push({ role: "user", content: [{ text: "a" }], timestamp: t });
  c.messages.push({ role: "assistant", content: [{ text: "" }], timestamp: t, status: "error" });
  c.messages.push({ role: "user", content: [{ text: "b" }], timestamp: t });
  expect(toBedrockMessages(c)).toEqual([{ role: "user", content: [{ text: "b" }] }]);
  expect(turnCount(c)).toBe(2);
  // a crash left a prompt with no answer at all; a cut-off answer with some text is kept
  c.messages.push({ role: "assistant", content: [{ text: "par" }], timestamp: t, status: "interrupted" });
  c.messages.push({ role: "user", content: [{ text: "c" }], timestamp: t });
  c.messages.push({ role: "user", content: [{ text: "d" }], timestamp: t });
  expect(toBedrockMessages(c)).toEqual([
    { role: "user", content: [{ text: "b" }] },
    { role: "assistant", content: [{ text: "par" }] },
    { role: "user", content: [{ text: "d" }] },
  ]);
});

test("dates: accepted exactly when Date.parse accepts them (toISOString's form is matched without it)", () => {
  const dates: string[] = [];
  for (const year of ["0000", "1970", "2026", "9999"]) {
    for (let month = 0; month <= 13; month++) {
      for (const day of [0, 1, 9, 10, 19, 20, 28, 29, 30, 31, 32]) {
        const d = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
        for (const time of ["00:00:00.000", "23:59:59.999", "24:00:00.000", "12:60:00.000", "12:00:60.000", "09:05:07.123"]) dates.push(`${d}T${time}Z`);
      }
    }
  }
  dates.push("2026-11-30T10:36:15Z", "2026-11-30T10:36:15.9Z", "2026-11-30T10:36:15.918+01:00", "2026-11-30", "2026-11-30T10:36:15.918", "2026-11-30 10:36:15.918Z", "2026-11-30T10:36:15.918Z\n", " 2026-11-30T10:36:15.918Z", "+002026-11-30T10:36:15.918Z", "2026-11-30T10:36:15,918Z", "2026-1a-30T10:36:15.918Z", "Mon Nov 30 2026", "", "x");
  const accepted = (created_at: string) => {
    try {
      parseConversation({ ...JSON.parse(JSON.stringify(base())), created_at });
      return true;
    } catch {
      return false;
    }
  };
  for (const d of dates) expect({ d, ok: accepted(d) }).toEqual({ d, ok: !Number.isNaN(Date.parse(d)) });
});

// the hand-written checks and the patterns they replaced, on real values edited at random (tests/helpers/edited-strings.ts)
const PLAIN_ISO_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const CONVERSATION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

test("isPlainIsoDate accepts what its pattern matched, and nothing else", () => {
  const dates = ["2026-11-30T10:36:15.918Z", "2026-01-01T00:00:00.000Z", "1999-12-28T23:59:59.999Z", "2026-02-29T12:00:00.000Z", "2026-10-31T24:00:00.000Z", "2026-13-01T00:60:00.000Z", "2026-11-30T10:36:15Z"];
  for (const d of dates) expect({ d, got: isPlainIsoDate(d) }).toEqual({ d, got: PLAIN_ISO_DATE.test(d) });
  // every field at every value it can take, one at a time
  for (const at of [0, 5, 8, 11, 14, 17, 20]) {
    for (let v = 0; v < 100; v++) {
      const d = `${dates[0]!.slice(0, at)}${String(v).padStart(2, "0")}${dates[0]!.slice(at + 2)}`;
      expect({ d, got: isPlainIsoDate(d) }).toEqual({ d, got: PLAIN_ISO_DATE.test(d) });
    }
  }
  let differ = 0;
  for (const d of editedStrings(dates, "0123456789-T:.Z/ a", 20_000, 0x150da7e)) if (isPlainIsoDate(d) !== PLAIN_ISO_DATE.test(d)) differ++;
  expect(differ).toBe(0);
});

test("isConversationId accepts what its pattern matched, and nothing else", () => {
  const ids = ["3f0c2b9e-1d2a-4c1e-9a57-0e6f4f3c2b1a", "q-abc_DEF", "a", "x".repeat(127), "x".repeat(128), "x".repeat(129), "", "-a", "_a", "a.b", "a/b", "ü"];
  for (const id of ids) expect({ id, got: isConversationId(id) }).toEqual({ id, got: CONVERSATION_ID.test(id) });
  for (let c = 0; c < 0x10000; c++) {
    const one = String.fromCharCode(c);
    if (isConversationId(`a${one}`) !== CONVERSATION_ID.test(`a${one}`) || isConversationId(one) !== CONVERSATION_ID.test(one)) expect({ c }).toEqual({ c: -1 });
  }
  let differ = 0;
  for (const id of editedStrings(ids.slice(0, 5), "aZ09-_./ \u00e9", 20_000, 0x1dcafe)) if (isConversationId(id) !== CONVERSATION_ID.test(id)) differ++;
  expect(differ).toBe(0);
});
