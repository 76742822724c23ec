import { expect, test } from "bun:test";
import { isSpaceUnit } from "../../lib/whitespace.ts";

test("isSpaceUnit is \\s on every UTF-16 code unit", () => {
  const differ: number[] = [];
  for (let c = 0; c < 0x10000; c++) if (isSpaceUnit(c) !== /\s/.test(String.fromCharCode(c))) differ.push(c);
  expect(differ).toEqual([]);
});
