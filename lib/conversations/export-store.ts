// Reading the conversation directory for redux-export: the store options (directory, key), and filtered listings
// that report what they skipped instead of failing on a foreign or damaged file.
import { conversationsIn, listConversations, type ListResult, type StoreOptions, type StoredConversation } from "./store-read.ts";
import { loadKey } from "./envelope.ts";
import { readSettings } from "../settings.ts";
import { conversationsDir } from "../paths.ts";
import { makeFilter, type Filters } from "./listing.ts";

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
