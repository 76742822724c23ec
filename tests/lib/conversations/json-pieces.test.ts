import { describe, expect, test } from "bun:test";
import { prettyJsonPieces } from "../../../lib/conversations/json-pieces.ts";

const joined = (v: unknown) => [...prettyJsonPieces(v)].join("");

describe("prettyJsonPieces", () => {
  test("is JSON.stringify(value, null, 2), piece by piece", () => {
    const values: unknown[] = [
      null, 0, -1.5, true, "a\"b\\c\n\u0001é😀", [], {}, [1, [2, []], {}], { a: undefined, b: () => 1, c: [undefined, null], d: { e: {} } },
      { when: new Date(0), nan: NaN, inf: -Infinity, nested: { toJSON: () => ({ x: 1 }) } },
      { conversation_id: "x", messages: [{ role: "user", content: [{ text: "hi" }] }, { role: "assistant", content: [{ text: "yo" }], usage: { input_tokens: 1 } }] },
    ];
    for (const v of values) expect(joined(v)).toBe(JSON.stringify(v, null, 2));
  });

  test("a string of several MiB is escaped a slice at a time, surrogate pairs kept whole", () => {
    const big = `${"x".repeat((1 << 20) - 1)}😀${"\"\n".repeat(1 << 19)}é`;
    const v = { messages: [{ content: [{ text: big }] }] };
    const pieces = [...prettyJsonPieces(v)];
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(2 * (1 << 20) + 16);
    expect(pieces.join("")).toBe(JSON.stringify(v, null, 2));
  });
});
