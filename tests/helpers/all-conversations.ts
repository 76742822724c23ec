// The listing redux used before its bulk paths streamed: every readable conversation parsed and held, oldest first
// by creation time (ties by path). Tests compare the streaming paths (--last, prune, --all) against it.
import { conversationsIn, type ListResult, type StoreOptions } from "../../lib/conversations/store.ts";

export function listConversations(opts: StoreOptions): ListResult {
  const skipped: ListResult["skipped"] = [];
  const items = [...conversationsIn(opts, skipped)];
  items.sort((a, b) => a.conversation.created_at.localeCompare(b.conversation.created_at) || a.path.localeCompare(b.path));
  return { items, skipped };
}
