import { expect, test } from "bun:test";
import { newConversation } from "../../../lib/conversations/conversation.ts";
import { firstWords, parseFormat, render, textToHtml, untidy } from "../../../lib/conversations/export-formats.ts";
import { editedStrings } from "../../helpers/edited-strings.ts";
import { makeFilter, parseDuration, parseWhen } from "../../../lib/conversations/listing.ts";

test("HTML escapes everything and only adds its own tags", () => {
  expect(textToHtml(`<script>x</script> & "q"`)).toBe("<p>&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;</p>");
  expect(textToHtml("a\n```js\n<b>\n```\nz")).toBe("<p>a</p>\n<pre><code>&lt;b&gt;</code></pre>\n<p>z</p>");
  const c = newConversation({ model: "custom:us-east-1:m", region: "us-east-1", model_id: "m" });
  c.messages.push({ role: "user", content: [{ text: "<img src=x onerror=alert(1)>" }], timestamp: c.created_at });
  const html = render(c, "html");
  expect(html).not.toContain("<img");
  expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
});

test("formats and their aliases", () => {
  expect(parseFormat("markdown")).toBe("md");
  expect(parseFormat(undefined)).toBe("md");
  expect(() => parseFormat("pdf")).toThrow(/unknown format/);
});

test("durations and filters", () => {
  expect(parseDuration("30d")).toBe(30 * 86400e3);
  expect(parseDuration("2w")).toBe(14 * 86400e3);
  expect(() => parseDuration("0d")).toThrow();
  expect(() => parseDuration("soon")).toThrow(/30d/);
  expect(parseWhen("7d", "--since", 1_000_000_000)).toBe(1_000_000_000 - 7 * 86400e3);
  expect(parseWhen("2026-11-01", "--since")).toBe(Date.parse("2026-11-01"));
  expect(() => makeFilter({ status: "done" })).toThrow(/--status/);
  const c = newConversation({ model: "custom:us-east-1:Nova", region: "us-east-1", model_id: "Nova" });
  expect(makeFilter({ model: "nova" })(c)).toBe(true);
  expect(makeFilter({ model: "claude" })(c)).toBe(false);
});

test("firstWords: whitespace runs are one space and the ends trimmed, whatever the whitespace; cut at 60 with …", () => {
  const ask = (text: string) => {
    const c = newConversation({ model: "custom:us-east-1:m", region: "us-east-1", model_id: "m" });
    c.messages.push({ role: "user", content: [{ text }], timestamp: c.created_at });
    return firstWords(c);
  };
  const ws = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", "\ufeff", " \t "];
  for (const a of ws) {
    for (const text of [`${a}x`, `x${a}`, `x${a}y`, `${a}`, `a${a}b${a}c`, `${"word ".repeat(11)}${a}tail`, `${"w".repeat(59)}${a}z`]) {
      expect({ text, got: ask(text) }).toEqual({ text, got: ((t) => (t.length > 60 ? `${t.slice(0, 59).trimEnd()}…` : t))(text.replace(/\s+/g, " ").trim()) });
    }
  }
  expect(ask("plain words, one space each")).toBe("plain words, one space each");
});

test("untidy: what the pattern it replaced matched (20,000 edited prompts)", () => {
  const UNTIDY = /\s\s|[^\S ]|^ | $/;
  const prompts = ["how do I rotate the credentials?", " leading", "trailing ", "two  spaces", "tab\there", "line\nbreak", "nbsp\u00a0here", "", " ", "a"];
  let differ = 0;
  for (const p of editedStrings(prompts, " \t\n\u00a0\u2028\u3000\ufeffab", 20_000, 0x71d7)) if (untidy(p) !== UNTIDY.test(p)) differ++;
  expect(differ).toBe(0);
  for (const p of prompts) expect({ p, got: untidy(p) }).toEqual({ p, got: UNTIDY.test(p) });
});
