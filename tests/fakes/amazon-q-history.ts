// Amazon Q Developer CLI history, as its code writes it (crates/chat-cli: ConversationState serialized by serde):
// conversation states in the newer `{user, assistant, request_metadata}` shape and the older `[user, assistant]`
// pairs, `/save` files, and a real data.sqlite3 with its conversations(key, value) table, made with bun:sqlite.
import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const env = (cwd: string) => ({ env_state: { operating_system: "linux", current_working_directory: cwd, environment_variables: [] } });

export const prompt = (text: string, cwd = "/srv/app", timestamp?: string) => ({
  additional_context: "",
  env_context: env(cwd),
  content: { Prompt: { prompt: text } },
  timestamp: timestamp ?? null,
  images: null,
});

export const toolResults = (results: { id: string; text?: string; json?: unknown; error?: boolean }[], cancelledPrompt?: string) => ({
  additional_context: "",
  env_context: env("/srv/app"),
  content: cancelledPrompt !== undefined
    ? { CancelledToolUses: { prompt: cancelledPrompt, tool_use_results: results.map((r) => ({ tool_use_id: r.id, content: [{ Text: "Tool use was cancelled by the user" }], status: "Error" })) } }
    : { ToolUseResults: { tool_use_results: results.map((r) => ({ tool_use_id: r.id, content: [r.json !== undefined ? { Json: r.json } : { Text: r.text ?? "" }], status: r.error ? "Error" : "Success" })) } },
  timestamp: null,
  images: null,
});

export const response = (content: string, messageId = "m-1") => ({ Response: { message_id: messageId, content } });

export const toolUse = (content: string, uses: { id: string; name: string; args: unknown }[]) => ({
  ToolUse: { message_id: "m-t", content, tool_uses: uses.map((u) => ({ id: u.id, name: u.name, orig_name: u.name, args: u.args, orig_args: u.args })) },
});

export const meta = (startMs: number, endMs: number, modelId = "claude-sonnet-4") => ({
  request_id: "req-1",
  message_id: "m-1",
  request_start_timestamp_ms: startMs,
  stream_end_timestamp_ms: endMs,
  time_to_first_chunk: { secs: 0, nanos: 500000000 },
  time_between_chunks: [],
  user_prompt_length: 10,
  response_size: 20,
  chat_conversation_type: "NotToolUse",
  tool_use_ids_and_names: [],
  model_id: modelId,
  message_meta_tags: [],
});

/** A conversation state; `entries` are already in the shape wanted (objects or pairs). */
export function state(id: string, entries: unknown[], extra: Record<string, unknown> = {}) {
  return {
    conversation_id: id,
    next_message: null,
    history: entries,
    valid_history_range: [0, entries.length],
    transcript: [],
    tools: {},
    context_manager: null,
    context_message_length: null,
    latest_summary: null,
    model_info: { model_id: "claude-sonnet-4", model_name: "claude-sonnet-4", context_window_tokens: 200000 },
    file_line_tracker: {},
    checkpoint_manager: null,
    mcp_enabled: true,
    ...extra,
  };
}

const T0 = Date.parse("2026-10-01T09:00:00Z");

/** A newer-shape conversation with a tool round trip: prompt, tool use, tool results, answer. */
export function toolConversation(id = "6d3c1e2a-1111-4b7c-9d0e-aaaaaaaaaaaa", turns = 2) {
  const entries: unknown[] = [
    { user: prompt("list the files here", "/srv/app", new Date(T0).toISOString()), assistant: toolUse("Let me look.", [{ id: "tooluse_1", name: "execute_bash", args: { command: "ls" } }]), request_metadata: meta(T0, T0 + 1500) },
    { user: toolResults([{ id: "tooluse_1", json: { stdout: "a.txt\nb.txt", exit_status: "0" } }]), assistant: response("There are two files: a.txt and b.txt."), request_metadata: meta(T0 + 2000, T0 + 3000) },
  ];
  for (let i = 2; i < turns; i++) {
    const t = T0 + i * 60_000;
    entries.push({ user: prompt(`follow-up ${i}`, "/srv/app", new Date(t).toISOString()), assistant: response(`answer ${i}`), request_metadata: meta(t, t + 800) });
  }
  return state(id, entries);
}

/** An older-shape conversation: `[user, assistant]` pairs, a legacy `model` string, no timestamps at all. */
export function legacyConversation(id = "0a0b0c0d-2222-4b7c-9d0e-bbbbbbbbbbbb") {
  const { model_info: _drop, ...rest } = state(id, [
    [prompt("what is 2+2?", "/home/me/legacy"), response("4")],
    [toolResults([{ id: "tooluse_9" }], "never mind, stop"), response("Stopped.")],
  ]);
  return { ...rest, model: "CLAUDE_3_7_SONNET_20250219_V1_0" };
}

export function writeSave(path: string, s: unknown) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(s, null, 2));
}

/** A data.sqlite3 the way the Amazon Q CLI lays it out (migrations, state, conversations keyed by directory). */
export function writeDatabase(path: string, rows: [key: string, value: string][], o: { wal?: boolean } = {}) {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true });
  if (o.wal) db.run("PRAGMA journal_mode=WAL");
  db.run("CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, migration_time INTEGER NOT NULL)");
  db.run("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB)");
  db.run("CREATE TABLE IF NOT EXISTS conversations (key TEXT PRIMARY KEY, value TEXT)");
  const ins = db.prepare("INSERT OR REPLACE INTO conversations (key, value) VALUES (?, ?)");
  for (const [k, v] of rows) ins.run(k, v);
  // finalized, so that close() really closes (a WAL file is then checkpointed and its -wal/-shm removed)
  ins.finalize();
  return db;
}
