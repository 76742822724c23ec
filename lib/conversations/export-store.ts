// Reading the conversation directory for redux-export: the store options (directory, key), and filtered listings
// that report what they skipped instead of failing on a foreign or damaged file.
import { conversationsIn, oldestFirst, readOrSkip, type ListResult, type StoreOptions, type StoredConversation } from "./store-read.ts";
import { loadKey } from "./envelope.ts";
import { readSettings } from "../settings.ts";
import { conversationsDir } from "../paths.ts";
import { makeFilter, type Filters } from "./listing.ts";

export function exportStore(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const key = loadKey({ keyFile, settings: readSettings(env), env });
  return { dir: conversationsDir(env), ...(key ? { key } : {}) };
}

/** The conversations that pass the filters, read one at a time (none kept); files passed over go to `skipped`. */
export function* filteredConversations(store: StoreOptions, filters: Filters, skipped: ListResult["skipped"]): Generator<StoredConversation> {
  const keep = makeFilter(filters);
  for (const it of conversationsIn(store, skipped)) if (keep(it.conversation)) yield it;
}

/**
 * The conversations that pass the filters, oldest first by creation time (ties by path),
 * without holding them: a first pass reads every file and keeps only its path and creation time (`skipped` then says
 * what it passed over), and `conversations()` reads each again as it is yielded. A file that cannot be read the
 * second time (deleted or damaged meanwhile) is added to `gone`, and one that no longer passes the filters is left out.
 */
export function filteredOldestFirst(store: StoreOptions, filters: Filters) {
  const keep = makeFilter(filters);
  const skipped: ListResult["skipped"] = [];
  const order: { path: string; created: string }[] = [];
  for (const it of conversationsIn(store, skipped)) if (keep(it.conversation)) order.push({ path: it.path, created: it.conversation.created_at });
  order.sort(oldestFirst);
  return {
    skipped,
    *conversations(gone: ListResult["skipped"]): Generator<StoredConversation> {
      for (const { path } of order) {
        const conversation = readOrSkip(path, store.key, gone);
        if (conversation && keep(conversation)) yield { path, conversation };
      }
    },
  };
}
