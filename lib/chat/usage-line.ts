// The one-line usage summary a person sees: after a one-shot prompt (--usage, chat.showUsage) and in the REPL's /usage.
import { formatUsd, type Cost } from "../bedrock/prices.ts";
import type { Usage } from "../conversations/conversation.ts";

/** `12 in · 40 out · 300 cache read · 0 cache write · 52 total tokens · $0.00064 · 812 ms` (cache parts only when used). */
export function usageLine(usage: Usage | undefined, cost: Pick<Cost, "usd"> | undefined, latencyMs?: number): string {
  const u = usage ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  const parts = [`${u.input_tokens} in`, `${u.output_tokens} out`];
  if (u.cache_read_input_tokens || u.cache_write_input_tokens) {
    parts.push(`${u.cache_read_input_tokens ?? 0} cache read`, `${u.cache_write_input_tokens ?? 0} cache write`);
  }
  parts.push(`${u.total_tokens} total tokens`, cost?.usd === null || cost === undefined ? "cost unknown" : formatUsd(cost.usd));
  if (latencyMs !== undefined) parts.push(`${latencyMs} ms`);
  return parts.join(" · ");
}
