// Attachments: files sent with a prompt as Converse image and document blocks. The format comes from the content
// (magic bytes), the extension only tells apart formats whose bytes look alike (csv/md/txt, doc/xls); Bedrock's limits
// are checked before any request. Saved inline (base64) or, above INLINE_MAX, as a content-addressed file beside the
// conversations (`attachments/<sha256>.<format>`, 0600); with encryption at rest always inline, so it is encrypted too.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { usageError, ReduxError, ExitCode } from "../errors.ts";
import { ensurePrivateDir, writeFileAtomic } from "../fs-atomic.ts";
import type { Conversation, DocumentBlock, DocumentFormat, ImageBlock, ImageFormat } from "./conversation.ts";
import type { StoreOptions } from "./store.ts";

/** Bedrock's limits for Converse attachments. */
const LIMITS = { images: 20, imageBytes: 3.75 * 1024 * 1024, imagePixels: 8000, documents: 5, documentBytes: 4.5 * 1024 * 1024 } as const;
/** Larger attachments are saved as their own file instead of inline in the conversation. */
const INLINE_MAX = 256 * 1024;

export interface Attachment {
  kind: "image" | "document";
  format: ImageFormat | DocumentFormat;
  name: string;
  bytes: Uint8Array;
}

const IMAGE_TYPES: readonly ImageFormat[] = ["png", "jpeg", "gif", "webp"];
const DOCUMENT_TYPES: readonly DocumentFormat[] = ["pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"];

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, from: number, to: number) => Buffer.from(b.subarray(from, to)).toString("latin1");

function isText(b: Uint8Array): boolean {
  const head = b.subarray(0, 64 * 1024);
  if (head.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head.length < b.length ? head.subarray(0, head.length - 4) : head);
    return true;
  } catch {
    return false;
  }
}

/** The format by content; `hint` (an extension or --attach-type) only picks among formats with the same bytes. */
export function sniff(b: Uint8Array, hint: string): { kind: "image" | "document"; format: ImageFormat | DocumentFormat } | undefined {
  const h = hint.toLowerCase().replace(/^\./, "");
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "image", format: "png" };
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { kind: "image", format: "jpeg" };
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return { kind: "image", format: "gif" };
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return { kind: "image", format: "webp" };
  if (ascii(b, 0, 5) === "%PDF-") return { kind: "document", format: "pdf" };
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) {
    // an Office Open XML package names its main part in the zip's file names
    const names = Buffer.from(b).toString("latin1");
    if (names.includes("word/")) return { kind: "document", format: "docx" };
    if (names.includes("xl/")) return { kind: "document", format: "xlsx" };
    return undefined;
  }
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    // the old binary Office format is the same container for both: the extension decides
    return { kind: "document", format: h === "xls" ? "xls" : "doc" };
  }
  if (isText(b)) {
    const start = Buffer.from(b.subarray(0, 512)).toString("utf8").replace(/^\uFEFF/, "").trimStart().toLowerCase();
    if (start.startsWith("<!doctype html") || start.startsWith("<html")) return { kind: "document", format: "html" };
    if (h === "csv" || h === "md" || h === "html" || h === "htm") return { kind: "document", format: h === "htm" ? "html" : (h as DocumentFormat) };
    if (h === "markdown") return { kind: "document", format: "md" };
    return { kind: "document", format: "txt" };
  }
  return undefined;
}

/** Width and height from the image header (PNG, GIF, JPEG, WebP), or undefined when it cannot be read. */
export function imageSize(b: Uint8Array, format: ImageFormat): [number, number] | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  try {
    if (format === "png") return [dv.getUint32(16), dv.getUint32(20)];
    if (format === "gif") return [dv.getUint16(6, true), dv.getUint16(8, true)];
    if (format === "webp") {
      const chunk = ascii(b, 12, 16);
      if (chunk === "VP8X") return [1 + (dv.getUint32(24, true) & 0xffffff), 1 + (dv.getUint32(27, true) & 0xffffff)];
      if (chunk === "VP8L") {
        const bits = dv.getUint32(21, true);
        return [1 + (bits & 0x3fff), 1 + ((bits >> 14) & 0x3fff)];
      }
      if (chunk === "VP8 ") return [dv.getUint16(26, true) & 0x3fff, dv.getUint16(28, true) & 0x3fff];
      return undefined;
    }
    // JPEG: walk the segments to the frame header (SOF0..SOF15 but DHT, JPG and DAC)
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1]!;
      const len = dv.getUint16(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return [dv.getUint16(i + 7), dv.getUint16(i + 5)];
      i += 2 + len;
    }
  } catch {
    // a header shorter than it claims
  }
  return undefined;
}

/** Reads one attachment: a path, or `-` for stdin's bytes (then `type` is required). */
export function readAttachment(path: string, o: { type?: string; stdin?: () => Uint8Array } = {}): Attachment {
  let bytes: Uint8Array;
  let name: string;
  if (path === "-") {
    if (!o.type) throw usageError("--attach - needs --attach-type (png, jpeg, gif, webp, pdf, csv, doc, docx, xls, xlsx, html, txt, md)");
    bytes = o.stdin?.() ?? new Uint8Array();
    name = `stdin.${o.type}`;
  } else {
    try {
      if (statSync(path).isDirectory()) throw usageError(`cannot attach ${path}: it is a directory`, "attach files, one --attach each");
      bytes = new Uint8Array(readFileSync(path));
    } catch (err) {
      if (err instanceof ReduxError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw usageError(code === "ENOENT" ? `cannot attach ${path}: no such file` : `cannot attach ${path}: ${code ?? (err as Error).message}`, "check the path and its permissions");
    }
    name = basename(path);
  }
  if (bytes.length === 0) throw usageError(`cannot attach ${name}: it is empty`);
  const hint = o.type ?? extname(name);
  const found = sniff(bytes, hint);
  if (!found) throw usageError(`cannot attach ${name}: not a supported file type`, `images: ${IMAGE_TYPES.join(", ")}; documents: ${DOCUMENT_TYPES.join(", ")}`);
  if (o.type && ![...IMAGE_TYPES, ...DOCUMENT_TYPES].includes(o.type as ImageFormat)) {
    throw usageError(`--attach-type ${o.type} is not a supported type`, `images: ${IMAGE_TYPES.join(", ")}; documents: ${DOCUMENT_TYPES.join(", ")}`);
  }
  return { kind: found.kind, format: found.format, name, bytes };
}

const mib = (n: number) => `${(n / 1048576).toFixed(2).replace(/\.?0+$/, "")} MB`;

/** Bedrock's limits, before any request: count, size and pixels per image, count and size per document, a text block. */
export function checkAttachments(list: Attachment[], prompt: string): void {
  const images = list.filter((a) => a.kind === "image");
  const docs = list.filter((a) => a.kind === "document");
  if (images.length > LIMITS.images) throw usageError(`${images.length} images attached; Bedrock takes at most ${LIMITS.images} per message`);
  if (docs.length > LIMITS.documents) throw usageError(`${docs.length} documents attached; Bedrock takes at most ${LIMITS.documents} per message`);
  for (const a of images) {
    if (a.bytes.length > LIMITS.imageBytes) throw usageError(`image ${a.name} is ${mib(a.bytes.length)}; Bedrock takes images up to ${mib(LIMITS.imageBytes)}`, "scale it down or compress it");
    const size = imageSize(a.bytes, a.format as ImageFormat);
    if (size && (size[0] > LIMITS.imagePixels || size[1] > LIMITS.imagePixels)) {
      throw usageError(`image ${a.name} is ${size[0]}x${size[1]} pixels; Bedrock takes at most ${LIMITS.imagePixels} on a side`, "scale it down");
    }
  }
  for (const a of docs) {
    if (a.bytes.length > LIMITS.documentBytes) throw usageError(`document ${a.name} is ${mib(a.bytes.length)}; Bedrock takes documents up to ${mib(LIMITS.documentBytes)}`, "split it, or attach the part that matters");
  }
  if (docs.length && prompt.trim() === "") throw usageError("a prompt is needed with documents", "Bedrock takes documents only beside a text block: say what to do with them");
  const names = new Set<string>();
  for (const a of docs) {
    if (names.has(a.name)) throw usageError(`two documents are named ${a.name}`, "Bedrock needs document names to differ: rename one");
    names.add(a.name);
  }
}

/** The conversation part of an attachment: inline, or stored beside the conversations (content-addressed). */
export function attachmentPart(a: Attachment, store?: StoreOptions): ImageBlock | DocumentBlock {
  const sha256 = createHash("sha256").update(a.bytes).digest("hex");
  const data: { name: string; size: number; sha256: string; bytes?: string; file?: string } = { name: a.name, size: a.bytes.length, sha256 };
  if (store && !store.key && a.bytes.length > INLINE_MAX) {
    const file = `attachments/${sha256}.${a.format}`;
    const path = join(store.dir, file);
    try {
      ensurePrivateDir(join(store.dir, "attachments"));
      if (!existsSync(path)) writeFileAtomic(path, a.bytes);
      // the same bytes stored before: made young again, so a prune running now (it keeps files under an hour old)
      // cannot take it from the conversation about to name it
      else utimesSync(path, new Date(), new Date());
    } catch (err) {
      throw new ReduxError(ExitCode.internal, `cannot save the attachment ${a.name} to ${path}: ${(err as Error).message}`, "check that the conversations directory is writable and has room, or pass --no-save");
    }
    data.file = file;
  } else {
    data.bytes = Buffer.from(a.bytes).toString("base64");
  }
  return a.kind === "image" ? { image: { ...data, format: a.format as ImageFormat } } : { document: { ...data, format: a.format as DocumentFormat } };
}

/** Reads stored attachments back, refusing any path that is not one of ours. */
export const attachmentReader = (store: StoreOptions) => (file: string): Uint8Array => {
  if (!/^attachments\/[0-9a-f]{64}\.[a-z]+$/.test(file)) throw new ReduxError(ExitCode.usage, `invalid attachment reference ${JSON.stringify(file)}`);
  try {
    return new Uint8Array(readFileSync(join(store.dir, file)));
  } catch (err) {
    throw new ReduxError(ExitCode.usage, `the attachment ${file} is missing from ${store.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "it was deleted or the conversation was copied without its attachments/ directory");
  }
};

/** The names in attachments/ of the stored files a conversation refers to (`<sha256>.<format>`); inline ones have none. */
export function storedAttachments(c: Conversation): string[] {
  const files: string[] = [];
  for (const m of c.messages) {
    for (const b of m.content) {
      const a = "image" in b ? b.image : "document" in b ? b.document : undefined;
      if (a?.file) files.push(a.file.slice("attachments/".length));
    }
  }
  return files;
}

/**
 * Removes stored attachments that no remaining conversation names (after prune): `used` holds what they name, as
 * storedAttachments gives it. Files younger than an hour are kept: a chat writes its attachment just before the
 * conversation that names it. With `dryRun`, only counts.
 */
export function pruneAttachments(store: StoreOptions, used: ReadonlySet<string>, o: { dryRun?: boolean; now?: number } = {}): string[] {
  const dir = join(store.dir, "attachments");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const cutoff = (o.now ?? Date.now()) - 3600_000;
  const removed: string[] = [];
  for (const n of names) {
    if (!/^[0-9a-f]{64}\.[a-z]+$/.test(n) || used.has(n)) continue;
    const path = join(dir, n);
    try {
      if (statSync(path).mtimeMs > cutoff) continue;
      if (!o.dryRun) rmSync(path, { force: true });
      removed.push(path);
    } catch {
      // gone already
    }
  }
  return removed;
}
