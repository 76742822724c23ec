// Amazon Q Developer CLI history, read-only: its `/save` JSON files and the conversation states in its database
// (`data.sqlite3`, table conversations(key = working directory, value = state JSON)), turned into redux conversations.
// Both history shapes are accepted: older `[[user, assistant], ...]` pairs and newer `{user, assistant, request_metadata}`.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, openSync, readSync, closeSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CONVERSATION_VERSION, isConversationId, emptyUsage, type ContentBlock, type AssistantMessage, type Conversation, type Message, type ToolResultBlock, type UserMessage } from "./conversation.ts";
import { ReduxError, ExitCode } from "../errors.ts";

/** One conversation state found in a source, before conversion. */
export interface QSource {
  /** The `/save` file, or `<database>#<row key>`. */
  origin: string;
  state: unknown;
  /** The database row key: the working directory. */
  key?: string;
  /** When the source was last written: the stand-in for timestamps the state does not carry. */
  mtime: Date;
}

export interface QSkip {
  source: string;
  reason: string;
}

const SQLITE_MAGIC = "SQLite format 3\0";

/** What a file's header says: not SQLite, SQLite, or SQLite in WAL mode (header bytes 18-19 are 2). */
function sqliteKind(path: string): "none" | "sqlite" | "wal" {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(20);
    if (readSync(fd, buf, 0, 20, 0) !== 20 || buf.toString("latin1", 0, 16) !== SQLITE_MAGIC) return "none";
    return buf[18] === 2 || buf[19] === 2 ? "wal" : "sqlite";
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads every conversation state under the given paths: `/save` files, directories of them (`*.json`, not recursive),
 * and Amazon Q databases (recognised by their header, whatever their name). A path that does not exist is a usage
 * error (nothing is read); a file or row that cannot be read is skipped with a reason.
 */
export async function readQSources(paths: string[]): Promise<{ sources: QSource[]; skipped: QSkip[] }> {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ReduxError(ExitCode.usage, code === "ENOENT" ? `no such file or directory: ${p}` : `cannot read ${p}: ${(err as Error).message}`, "give a /save JSON file, a directory of them, or the Amazon Q CLI's data.sqlite3");
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(p);
      } catch (err) {
        throw new ReduxError(ExitCode.usage, `cannot list ${p}: ${(err as Error).message}`, "check the directory's permissions");
      }
      for (const n of names.sort()) if (n.endsWith(".json")) files.push(join(p, n));
    } else files.push(p);
  }
  const sources: QSource[] = [];
  const skipped: QSkip[] = [];
  for (const f of files) {
    try {
      const kind = sqliteKind(f);
      if (kind !== "none") {
        const r = await readDatabase(f, kind === "wal");
        sources.push(...r.sources);
        skipped.push(...r.skipped);
        continue;
      }
      const mtime = statSync(f).mtime;
      let state: unknown;
      try {
        state = JSON.parse(readFileSync(f, "utf8"));
      } catch {
        skipped.push({ source: f, reason: "not valid JSON" });
        continue;
      }
      sources.push({ origin: resolve(f), state, mtime });
    } catch (err) {
      skipped.push({ source: f, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    }
  }
  return { sources, skipped };
}

async function readDatabase(path: string, wal: boolean): Promise<{ sources: QSource[]; skipped: QSkip[] }> {
  const { Database } = await import("bun:sqlite");
  const abs = resolve(path);
  const mtime = statSync(abs).mtime;
  // Read-only, and nothing created beside Amazon Q's files: SQLite opens even a read-only WAL database by creating
  // -shm and -wal files next to it, so a WAL database is read from a private copy (with its -wal, so nothing recent
  // is missed).
  let copyDir: string | undefined;
  let file = abs;
  let db;
  try {
    if (wal) {
      copyDir = mkdtempSync(join(tmpdir(), "redux-import-"));
      file = join(copyDir, "data.sqlite3");
      copyFileSync(abs, file);
      if (existsSync(`${abs}-wal`)) copyFileSync(`${abs}-wal`, `${file}-wal`);
    }
    db = new Database(file, { readonly: !wal });
  } catch (err) {
    if (copyDir) rmSync(copyDir, { recursive: true, force: true });
    return { sources: [], skipped: [{ source: abs, reason: `cannot open the database: ${(err as Error).message}` }] };
  }
  try {
    let rows: { key: unknown; value: unknown }[];
    try {
      rows = db.query("SELECT key, value FROM conversations ORDER BY key").all() as { key: unknown; value: unknown }[];
    } catch (err) {
      return { sources: [], skipped: [{ source: abs, reason: `no readable conversations table: ${(err as Error).message}` }] };
    }
    const sources: QSource[] = [];
    const skipped: QSkip[] = [];
    for (const row of rows) {
      const key = String(row.key);
      const origin = `${abs}#${key}`;
      const text = typeof row.value === "string" ? row.value : row.value instanceof Uint8Array ? Buffer.from(row.value).toString("utf8") : undefined;
      if (text === undefined) {
        skipped.push({ source: origin, reason: "the row has no value" });
        continue;
      }
      try {
        sources.push({ origin, key, state: JSON.parse(text), mtime });
      } catch {
        skipped.push({ source: origin, reason: "the row is not valid JSON" });
      }
    }
    return { sources, skipped };
  } finally {
    db.close();
    if (copyDir) rmSync(copyDir, { recursive: true, force: true });
  }
}

// ---- conversion ----------------------------------------------------------------------------------------------------

export class QFormatError extends Error {
  override name = "QFormatError";
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** A message whose timestamp may still be missing (filled in by fillTimestamps). */
type Draft = (Omit<UserMessage, "timestamp"> | Omit<AssistantMessage, "timestamp">) & { timestamp?: string };

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The redux id of an imported conversation: stable, so a second import finds the first. */
export function importedId(sourceId: string): string {
  const id = `q-${sourceId}`;
  return isConversationId(id) ? id : `q-${createHash("sha256").update(sourceId).digest("hex").slice(0, 32)}`;
}

/** `{"Variant": {...}}` (serde's external tagging): the variant name and its fields. */
function variant(v: unknown, where: string): [string, Record<string, unknown>] {
  if (!isObj(v)) throw new QFormatError(`${where} is not an object`);
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new QFormatError(`${where} has no single kind`);
  const body = v[keys[0]!];
  return [keys[0]!, isObj(body) ? body : {}];
}

function toolResults(v: unknown, where: string): ToolResultBlock[] {
  if (!Array.isArray(v)) throw new QFormatError(`${where}.tool_use_results is not a list`);
  return v.map((r, i) => {
    if (!isObj(r) || typeof r.tool_use_id !== "string") throw new QFormatError(`${where}.tool_use_results[${i}] has no tool_use_id`);
    const content = (Array.isArray(r.content) ? r.content : []).map((c) => {
      if (isObj(c) && typeof c.Text === "string") return { text: c.Text };
      if (isObj(c) && "Json" in c) return { json: c.Json };
      return { json: c };
    });
    return { tool_result: { tool_use_id: r.tool_use_id, status: String(r.status).toLowerCase() === "error" ? "error" : "success", content } };
  });
}

function userContent(u: Record<string, unknown>, where: string): ContentBlock[] {
  const [kind, body] = variant(u.content, `${where}.content`);
  switch (kind) {
    case "Prompt":
      if (typeof body.prompt !== "string") throw new QFormatError(`${where}: a Prompt without text`);
      return [{ text: body.prompt }];
    case "ToolUseResults":
      return toolResults(body.tool_use_results, where);
    case "CancelledToolUses": {
      const parts: ContentBlock[] = toolResults(body.tool_use_results ?? [], where);
      if (typeof body.prompt === "string" && body.prompt) parts.push({ text: body.prompt });
      return parts;
    }
    default:
      throw new QFormatError(`${where}: unknown user content kind ${kind}`);
  }
}

function assistantContent(a: unknown, where: string): { content: ContentBlock[] } {
  const [kind, body] = variant(a, where);
  if (kind !== "Response" && kind !== "ToolUse") throw new QFormatError(`${where}: unknown assistant kind ${kind}`);
  const content: ContentBlock[] = [];
  if (typeof body.content === "string" && body.content) content.push({ text: body.content });
  if (kind === "ToolUse") {
    if (!Array.isArray(body.tool_uses)) throw new QFormatError(`${where}: ToolUse without tool_uses`);
    for (const t of body.tool_uses) {
      if (!isObj(t) || typeof t.id !== "string" || typeof t.name !== "string") throw new QFormatError(`${where}: a tool use without id or name`);
      content.push({ tool_use: { id: t.id, name: t.name, input: t.args ?? t.orig_args ?? null } });
    }
  }
  return { content };
}

const isoFrom = (v: unknown): string | undefined => {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return new Date(v).toISOString();
  if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  return undefined;
};

/** The newer `{user, assistant, request_metadata}` entries and the older `[user, assistant]` pairs, as one shape. */
function entries(history: unknown): { user: unknown; assistant: unknown; meta?: Record<string, unknown> }[] {
  if (!Array.isArray(history)) throw new QFormatError("history is not a list");
  return history.map((e, i) => {
    if (Array.isArray(e) && e.length === 2) return { user: e[0], assistant: e[1] };
    if (isObj(e) && "user" in e && "assistant" in e) return { user: e.user, assistant: e.assistant, meta: isObj(e.request_metadata) ? e.request_metadata : undefined };
    throw new QFormatError(`history[${i}] is neither a {user, assistant} entry nor a pair`);
  });
}

/**
 * One Amazon Q conversation state as a redux conversation. Timestamps are kept where the state has them (user
 * messages, request metadata); a message without one takes its neighbour's, or the source's modification time.
 * Throws QFormatError with the reason when the state is not one.
 */
export function convertQState(src: QSource, now = new Date()): Conversation {
  const s = src.state;
  if (!isObj(s)) throw new QFormatError("not a JSON object");
  const sourceId = str(s.conversation_id);
  if (!sourceId) throw new QFormatError("no conversation_id: not an Amazon Q CLI conversation");
  const modelInfo = isObj(s.model_info) ? s.model_info : undefined;
  const qModel = str(modelInfo?.model_id) ?? str(s.model);
  const messages: Draft[] = [];
  let cwd = src.key;
  const list = entries(s.history);
  list.forEach((e, i) => {
    const where = `history[${i}]`;
    if (!isObj(e.user)) throw new QFormatError(`${where}.user is not an object`);
    const u = e.user;
    if (!cwd) {
      const envState = isObj(u.env_context) && isObj(u.env_context.env_state) ? u.env_context.env_state : undefined;
      cwd = str(envState?.current_working_directory);
    }
    messages.push({ role: "user", content: userContent(u, `${where}.user`), timestamp: isoFrom(u.timestamp) ?? isoFrom(e.meta?.request_start_timestamp_ms) });
    const a = assistantContent(e.assistant, `${where}.assistant`);
    const start = e.meta?.request_start_timestamp_ms;
    const end = e.meta?.stream_end_timestamp_ms;
    const latency = typeof start === "number" && typeof end === "number" && end >= start ? Math.round(end - start) : undefined;
    messages.push({
      role: "assistant",
      content: a.content,
      timestamp: isoFrom(end),
      model: str(e.meta?.model_id) ?? qModel ?? "amazon-q",
      ...(latency !== undefined ? { latency_ms: latency } : {}),
      status: "complete",
    });
  });
  // a prompt that was sent but never answered (the CLI stopped mid-answer): kept, so nothing the user wrote is lost
  let status: Conversation["status"] = "complete";
  if (isObj(s.next_message)) {
    try {
      const content = userContent(s.next_message, "next_message");
      messages.push({ role: "user", content, timestamp: isoFrom(s.next_message.timestamp) });
      status = "interrupted";
    } catch {
      // an unsendable draft (no prompt): nothing to keep
    }
  }
  fillTimestamps(messages, src.mtime);
  const first = messages[0]?.timestamp ?? src.mtime.toISOString();
  const last = messages.at(-1)?.timestamp ?? first;
  const model = qModel ?? "amazon-q";
  return {
    version: CONVERSATION_VERSION,
    conversation_id: importedId(sourceId),
    // Q's ids are not Bedrock ids: resuming needs -m (the session says so)
    model: `custom:us-east-1:${model}`,
    region: "us-east-1",
    model_id: model,
    created_at: first,
    updated_at: last,
    inference_config: {},
    messages: messages as Message[], // every timestamp filled above
    usage: emptyUsage(),
    status,
    source: {
      kind: "amazon-q-cli",
      conversation_id: sourceId,
      origin: src.origin,
      ...(cwd ? { cwd } : {}),
      ...(qModel ? { model: qModel } : {}),
      message_count: messages.length,
      imported_at: now.toISOString(),
    },
  };
}

function fillTimestamps(messages: Draft[], fallback: Date) {
  let prev: string | undefined;
  for (const m of messages) prev = m.timestamp ??= prev;
  let next: string | undefined;
  for (let i = messages.length - 1; i >= 0; i--) next = messages[i]!.timestamp ??= next;
  for (const m of messages) m.timestamp ??= fallback.toISOString();
}
