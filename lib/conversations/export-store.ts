// Reading the conversation directory for redux-export: the store options (directory, key), and filtered listings
// that report what they skipped instead of failing on a foreign or damaged file.
import { conversationsIn, listConversations, type ListResult, type StoreOptions, type StoredConversation } from "./store.ts";
import { loadKey } from "./envelope.ts";
import { readSettings } from "../settings.ts";
import { conversationsDir } from "../paths.ts";
import { makeFilter, summarize, type ConversationSummary, type Filters } from "./listing.ts";

export function exportStore(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const key = loadKey({ keyFile, settings: readSettings(env), env });
  return { dir: conversationsDir(env), ...(key ? { key } : {}) };
}

export function listFiltered(store: StoreOptions, filters: Filters): ListResult {
  const keep = makeFilter(filters);
  const all = listConversations(store);
  return { items: all.items.filter((it) => keep(it.conversation)), skipped: all.skipped };
}

/** The conversations that pass the filters, read one at a time (none kept); files passed over go to `skipped`. */
export function* filteredConversations(store: StoreOptions, filters: Filters, skipped: ListResult["skipped"]): Generator<StoredConversation> {
  const keep = makeFilter(filters);
  for (const it of conversationsIn(store, skipped)) if (keep(it.conversation)) yield it;
}

/**
 * The summaries of the conversations that pass the filters, oldest first by creation time: only the summaries are
 * kept, so listing 50,000 conversations holds 50,000 small rows rather than every message of every one.
 */
export function listSummaries(store: StoreOptions, filters: Filters): { items: ConversationSummary[]; skipped: ListResult["skipped"] } {
  const skipped: ListResult["skipped"] = [];
  const items: ConversationSummary[] = [];
  for (const it of filteredConversations(store, filters, skipped)) items.push(summarize(it));
  // code-point order (ISO dates sort as text): localeCompare's collation was a tenth of listing 50,000
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  items.sort((a, b) => cmp(a.created_at, b.created_at) || cmp(a.path, b.path));
  return { items, skipped };
}
