import { describe, expect, test } from "bun:test";
import { decide } from "../../../lib/conversations/import.ts";
import { convertQState } from "../../../lib/conversations/amazon-q.ts";
import { toolConversation } from "../../fakes/amazon-q-history.ts";

const conv = (turns: number, mtime = "2026-11-01T00:00:00Z") => convertQState({ origin: "/x.json", state: toolConversation("same-id", turns), mtime: new Date(mtime) });

describe("decide: idempotent import", () => {
  test("new, unchanged, more turns, an older snapshot", () => {
    expect(decide(conv(2), undefined)).toMatchObject({ action: "imported" });
    expect(decide(conv(2, "2026-11-05T00:00:00Z"), conv(2))).toEqual({ action: "unchanged" });
    const up = decide(conv(3), conv(2));
    expect(up).toMatchObject({ action: "updated" });
    expect("write" in up && up.write!.messages.length).toBe(6);
    expect(decide(conv(2), conv(3))).toEqual({ action: "unchanged" });
  });

  test("a copy continued in redux, or a source that no longer matches, is kept and the source skipped", () => {
    const continued = conv(2);
    continued.messages.push({ role: "user", content: [{ text: "asked in redux" }], timestamp: continued.updated_at });
    expect(decide(conv(3), continued)).toMatchObject({ skip: expect.stringContaining("continued in redux") });
    const other = conv(3);
    other.messages[0] = { ...other.messages[0]!, content: [{ text: "compacted summary" }] };
    expect(decide(other, conv(2))).toMatchObject({ skip: expect.stringContaining("no longer matches") });
  });
});
