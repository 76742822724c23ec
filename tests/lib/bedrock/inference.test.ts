import { expect, test } from "bun:test";
import { parseEndpoint, parseInference, parseTimeout } from "../../../lib/bedrock/inference.ts";

test("inference flags become inference_config", () => {
  expect(parseInference({ maxTokens: "64", temperature: "0.2", topP: "0.9", stop: ["\n\n", "END"] })).toEqual({
    max_tokens: 64,
    temperature: 0.2,
    top_p: 0.9,
    stop_sequences: ["\n\n", "END"],
  });
  expect(parseInference({})).toEqual({});
});

test("out-of-range values are usage errors naming the flag", () => {
  expect(() => parseInference({ maxTokens: "0" })).toThrow(/--max-tokens/);
  expect(() => parseInference({ maxTokens: "1.5" })).toThrow(/--max-tokens/);
  expect(() => parseInference({ temperature: "2" })).toThrow(/--temperature/);
  expect(() => parseInference({ topP: "abc" })).toThrow(/--top-p/);
  expect(() => parseInference({ stop: [""] })).toThrow(/--stop/);
});

test("timeouts and endpoints", () => {
  expect(parseTimeout(undefined)).toBe(60_000);
  expect(parseTimeout("5")).toBe(5000);
  expect(() => parseTimeout("0")).toThrow(/--timeout/);
  expect(parseEndpoint("http://127.0.0.1:8080/")).toBe("http://127.0.0.1:8080");
  expect(() => parseEndpoint("ftp://x")).toThrow(/http or https/);
  expect(() => parseEndpoint("not a url")).toThrow(/not a URL/);
  expect(() => parseEndpoint("https://user:pw@host")).toThrow(/credentials/);
});
