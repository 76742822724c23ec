// Conversation export formats: json (the file itself), jsonl (one line per message), Markdown, plain text, and one
// self-contained HTML page in which every piece of conversation text is escaped (model output never executes).
import { messageFullText, messageReasoning, messageText, toolPartText, type AssistantMessage, type AttachmentReader, type Conversation, type Message } from "./conversation.ts";
import { usageError } from "../errors.ts";
import { isSpaceUnit } from "../whitespace.ts";

const FORMATS = ["json", "jsonl", "md", "html", "txt"] as const;
type ExportFormat = (typeof FORMATS)[number];

export function parseFormat(v: string | undefined, fallback: ExportFormat = "md"): ExportFormat {
  const f = (v ?? fallback).toLowerCase();
  const alias: Record<string, ExportFormat> = { markdown: "md", text: "txt", ndjson: "jsonl" };
  const out = (FORMATS as readonly string[]).includes(f) ? (f as ExportFormat) : alias[f];
  if (!out) throw usageError(`unknown format ${JSON.stringify(v)}`, `use one of: ${FORMATS.join(", ")}`);
  return out;
}

/** One line of the jsonl format (schemas/export-jsonl.schema.json). */
export interface JsonlLine {
  conversation_id: string;
  index: number;
  role: "user" | "assistant";
  text: string;
  timestamp: string;
  model: string;
  usage?: AssistantMessage["usage"];
  stop_reason?: string;
  latency_ms?: number;
  status?: string;
}

/** `read` resolves attachments stored beside the conversations, so HTML can show those images too. */
export function render(c: Conversation, format: ExportFormat, read?: AttachmentReader): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(c, null, 2)}\n`;
    case "jsonl":
      return c.messages.map((m, i) => `${JSON.stringify(jsonlLine(c, m, i))}\n`).join("");
    case "md":
      return markdown(c);
    case "txt":
      return text(c);
    case "html":
      return html(c, read);
  }
}

function jsonlLine(c: Conversation, m: Message, index: number): JsonlLine {
  const a = m.role === "assistant" ? m : undefined;
  return {
    conversation_id: c.conversation_id,
    index,
    role: m.role,
    text: messageFullText(m),
    timestamp: m.timestamp,
    model: a?.model ?? c.model,
    ...(a?.usage ? { usage: a.usage } : {}),
    ...(a?.stop_reason ? { stop_reason: a.stop_reason } : {}),
    ...(a?.latency_ms !== undefined ? { latency_ms: a.latency_ms } : {}),
    ...(a?.status ? { status: a.status } : {}),
  };
}

/** `2026-11-25 02:03:12 UTC`: readable, still unambiguous. */
const humanTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

const usageLine = (m: AssistantMessage) =>
  [
    m.usage ? `${m.usage.input_tokens} in · ${m.usage.output_tokens} out` : undefined,
    m.latency_ms !== undefined ? `${(m.latency_ms / 1000).toFixed(1)} s` : undefined,
    m.stop_reason,
  ]
    .filter(Boolean)
    .join(" · ");

const statusNote = (m: AssistantMessage) =>
  m.status === "interrupted" ? "interrupted: the answer was cut off" : m.status === "error" ? `failed: ${m.error ?? "error"}` : undefined;

function markdown(c: Conversation): string {
  const out: string[] = [];
  out.push(`# ${titleOf(c)}`, "");
  out.push(`| | |`, `|---|---|`);
  out.push(`| model | \`${c.model}\` |`);
  out.push(`| created | ${humanTime(c.created_at)} |`, `| updated | ${humanTime(c.updated_at)} |`);
  out.push(`| status | ${c.status} |`);
  out.push(`| tokens | ${c.usage.input_tokens} in · ${c.usage.output_tokens} out · ${c.usage.total_tokens} total |`);
  out.push(`| id | \`${c.conversation_id}\` |`, "");
  if (c.system) out.push(`> **System:** ${c.system.replace(/\n/g, "\n> ")}`, "");
  for (const m of c.messages) {
    out.push(`## ${m.role === "user" ? "User" : "Assistant"} · ${humanTime(m.timestamp)}`, "");
    const thought = messageReasoning(m);
    if (thought) out.push(`> *reasoning:* ${thought.replace(/\n/g, "\n> ")}`, "");
    out.push(messageFullText(m) || "_(no text)_", "");
    if (m.role === "assistant") {
      const note = statusNote(m);
      if (note) out.push(`> **${note}**`, "");
      const u = usageLine(m);
      if (u) out.push(`<sub>${u}</sub>`, "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function text(c: Conversation): string {
  const out: string[] = [`${titleOf(c)}`, `model ${c.model} · ${c.status} · ${c.usage.total_tokens} tokens`, ""];
  if (c.system) out.push(`[system] ${c.system}`, "");
  for (const m of c.messages) {
    out.push(`[${humanTime(m.timestamp)}] ${m.role}:`, messageFullText(m), "");
    if (m.role === "assistant") {
      const note = statusNote(m);
      if (note) out.push(`(${note})`, "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** The first words of the first prompt: a title a person recognises. */
export function firstWords(c: Conversation, max = 60): string {
  // a loop, not find: `redux-export list` calls this at start-up, where an Array method's first use is dear
  let first: Message | undefined;
  for (const m of c.messages) {
    if (m.role !== "user") continue;
    first = m;
    break;
  }
  const text = first ? messageText(first) : "";
  const t = untidy(text) ? text.replace(/\s+/g, " ").trim() : text;
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

/**
 * Text that collapsing whitespace runs to one space and trimming would change: a run of two, whitespace other than a
 * space, or a space at either end. Tested first: most first prompts are tidy, and a listing of 50,000 conversations
 * then builds no new string for each. By hand, not by a RegExp (see isPlainIsoDate in conversation.ts).
 */
export function untidy(t: string): boolean {
  if (t.startsWith(" ") || t.endsWith(" ")) return true;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 32 ? i + 1 < t.length && isSpaceUnit(t.charCodeAt(i + 1)) : isSpaceUnit(c)) return true;
  }
  return false;
}

const titleOf = (c: Conversation, max = 60) => firstWords(c, max) || `Conversation ${c.conversation_id}`;

// ---- HTML -----------------------------------------------------------------------------------------------------

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/**
 * Message text as HTML: fenced ``` blocks become <pre><code>, `inline code` becomes <code>, the rest paragraphs.
 * Everything is escaped first; only our own tags are added.
 */
export function textToHtml(s: string): string {
  const parts = s.split(/^```[^\n]*\n?/m);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `<pre><code>${escapeHtml(part.replace(/\n$/, ""))}</code></pre>`;
      return part
        .trim()
        .split(/\n{2,}/)
        .filter((p) => p.trim())
        .map((p) => `<p>${escapeHtml(p).replace(/`([^`\n]+)`/g, "<code>$1</code>").replace(/\n/g, "<br>")}</p>`)
        .join("\n");
    })
    .join("\n");
}

const CSS = `
:root{color-scheme:light dark;--bg:#fbfaf8;--fg:#1d1d1f;--muted:#6b6b70;--card:#fff;--user:#eef4ff;--border:#e3e1dc;--code:#f3f1ec;--accent:#3358d4;--warn:#a15c00}
@media (prefers-color-scheme:dark){:root{--bg:#17181b;--fg:#e8e6e3;--muted:#9a9aa1;--card:#202226;--user:#1f2a40;--border:#33353b;--code:#2a2c31;--accent:#8fa8ff;--warn:#f0b35a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:52rem;margin:0 auto;padding:2.5rem 1.25rem 4rem}
h1{font-size:1.6rem;line-height:1.3;margin:0 0 .5rem}
.meta{color:var(--muted);font-size:.875rem;margin:0 0 2rem;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
.meta code{font-size:.8rem}
.system{border-left:3px solid var(--accent);padding:.5rem 1rem;margin:0 0 1.5rem;color:var(--muted)}
article{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:1rem 1.25rem;margin:0 0 1rem}
article.user{background:var(--user)}
header{display:flex;justify-content:space-between;gap:1rem;font-size:.8rem;color:var(--muted);margin-bottom:.25rem}
header strong{color:var(--fg);text-transform:uppercase;letter-spacing:.04em}
p{margin:.5rem 0;overflow-wrap:anywhere}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;background:var(--code);border-radius:4px;padding:.1em .3em}
pre{background:var(--code);border-radius:8px;padding:.85rem 1rem;overflow-x:auto;margin:.75rem 0}
pre code{background:none;padding:0;font-size:.85rem;line-height:1.5}
footer{font-size:.8rem;color:var(--muted);margin-top:.5rem}
.note{color:var(--warn);font-weight:600;font-size:.85rem}
figure{margin:.75rem 0}
figure img{max-width:100%;height:auto;border-radius:8px;border:1px solid var(--border)}
figcaption,.doc{font-size:.85rem;color:var(--muted)}
.doc{border:1px solid var(--border);border-radius:8px;padding:.4rem .75rem;margin:.5rem 0}
details.reasoning{color:var(--muted);font-size:.9rem;margin:.25rem 0 .5rem}
`;

/** Attachments first (images inline as data: URLs, allowed by the page's CSP; documents as named blocks), then text. */
function messageHtml(m: Message, read?: AttachmentReader): string {
  const out: string[] = [];
  const thought = messageReasoning(m);
  if (thought) out.push(`<details class="reasoning"><summary>reasoning</summary>${textToHtml(thought)}</details>`);
  for (const b of m.content) {
    if ("image" in b) {
      const a = b.image;
      let bytes = a.bytes;
      if (bytes === undefined && a.file && read) {
        try {
          bytes = Buffer.from(read(a.file)).toString("base64");
        } catch {
          // shown as a named block below
        }
      }
      if (bytes !== undefined) out.push(`<figure><img src="data:image/${a.format};base64,${bytes.replace(/[^A-Za-z0-9+/=]/g, "")}" alt="${escapeHtml(a.name)}"><figcaption>${escapeHtml(a.name)}</figcaption></figure>`);
      else out.push(`<div class="doc">image ${escapeHtml(a.name)} (${a.format}, ${a.size} bytes; not found beside the conversation)</div>`);
    } else if ("document" in b) {
      out.push(`<div class="doc">document <strong>${escapeHtml(b.document.name)}</strong> (${b.document.format}, ${b.document.size} bytes)</div>`);
    }
  }
  const text = m.content
    .map((b) => ("text" in b ? b.text : "tool_use" in b || "tool_result" in b ? toolPartText(b) : ""))
    .filter(Boolean)
    .join("\n");
  out.push(textToHtml(text));
  const body = out.filter(Boolean).join("\n");
  return body || "<p><em>(no text)</em></p>";
}

function html(c: Conversation, read?: AttachmentReader): string {
  const articles = c.messages
    .map((m) => {
      const a = m.role === "assistant" ? m : undefined;
      const note = a ? statusNote(a) : undefined;
      const foot = a ? usageLine(a) : "";
      return `<article class="${m.role}">
<header><strong>${m.role === "user" ? "You" : "Assistant"}</strong><time datetime="${escapeHtml(m.timestamp)}">${escapeHtml(humanTime(m.timestamp))}</time></header>
${messageHtml(m, read)}
${note ? `<p class="note">${escapeHtml(note)}</p>` : ""}${foot ? `<footer>${escapeHtml(foot)}</footer>` : ""}
</article>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="redux-export">
<title>${escapeHtml(titleOf(c))}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(titleOf(c, 120))}</h1>
<p class="meta"><span>model <code>${escapeHtml(c.model)}</code></span><span>${escapeHtml(humanTime(c.created_at))}</span><span>${c.usage.total_tokens} tokens</span><span>${escapeHtml(c.status)}</span></p>
${c.system ? `<div class="system"><strong>System</strong>${textToHtml(c.system)}</div>` : ""}
${articles}
</main>
</body>
</html>
`;
}
