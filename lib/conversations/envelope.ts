// Encryption at rest for conversation files: an AES-256-GCM envelope with a fresh 96-bit nonce per write.
// The key is 32 random bytes given as 64 hex characters or base64 (REDUX_ENCRYPTION_KEY or a key file).
import type * as NodeCrypto from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ReduxError, ExitCode } from "../errors.ts";
import { fsError } from "../fs-errors.ts";
import type { Settings } from "../settings.ts";

// node:crypto is loaded when a key is used: `redux-export list` over plain files should not pay for it
const nodeCrypto = () => require("node:crypto") as typeof NodeCrypto;

const ENVELOPE_FORMAT = "redux-envelope-v1";
// made when first used: Buffer's first use costs every start that only lists plain files
const aad = () => Buffer.from(ENVELOPE_FORMAT);

export interface Envelope {
  format: typeof ENVELOPE_FORMAT;
  alg: "AES-256-GCM";
  /** First 16 hex digits of SHA-256(key): tells "wrong key" from "corrupted" without revealing the key. */
  key_id: string;
  nonce: string;
  ciphertext: string;
  tag: string;
}

export interface EncryptionKey {
  key: Buffer;
  id: string;
}

const KEY_HINT = "generate one with: openssl rand -base64 32 (REDUX_ENCRYPTION_KEY, --key-file or setting chat.encryptionKeyFile)";

export function parseKey(text: string, source: string): EncryptionKey {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (!key || key.length !== 32) throw new ReduxError(ExitCode.usage, `the encryption key from ${source} is not 32 bytes (64 hex characters or base64)`, KEY_HINT);
  return { key, id: nodeCrypto().createHash("sha256").update(key).digest("hex").slice(0, 16) };
}

/**
 * The key from --key-file, REDUX_ENCRYPTION_KEY, or the chat.encryptionKeyFile setting (of the settings the caller
 * has read), in that order; none: undefined.
 */
export function loadKey(opts: { keyFile?: string; settings?: Settings; env?: NodeJS.ProcessEnv }): EncryptionKey | undefined {
  const env = opts.env ?? process.env;
  const file = opts.keyFile;
  if (file) return readKeyFile(file);
  if (env.REDUX_ENCRYPTION_KEY) return parseKey(env.REDUX_ENCRYPTION_KEY, "REDUX_ENCRYPTION_KEY");
  const setting = opts.settings?.["chat.encryptionKeyFile"];
  if (typeof setting !== "string" || !setting) return undefined;
  if (!isAbsolute(setting)) {
    // a relative path would name a different file in every directory redux runs in
    throw new ReduxError(ExitCode.usage, `the setting chat.encryptionKeyFile is a relative path (${JSON.stringify(setting)})`, `set the full path: redux-chat settings chat.encryptionKeyFile ${resolve(setting)}`);
  }
  return readKeyFile(setting);
}

function readKeyFile(path: string): EncryptionKey {
  let text: string;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) throw new ReduxError(ExitCode.usage, `key file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)})`, `chmod 600 ${path}`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof ReduxError) throw err;
    throw fsError(err, path, "read the key file", KEY_HINT);
  }
  return parseKey(text, path);
}

export function seal(plaintext: string, k: EncryptionKey): string {
  const nonce = nodeCrypto().randomBytes(12);
  const c = nodeCrypto().createCipheriv("aes-256-gcm", k.key, nonce);
  c.setAAD(aad());
  const ct = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  const env: Envelope = {
    format: ENVELOPE_FORMAT,
    alg: "AES-256-GCM",
    key_id: k.id,
    nonce: nonce.toString("base64"),
    ciphertext: ct.toString("base64"),
    tag: c.getAuthTag().toString("base64"),
  };
  return `${JSON.stringify(env)}\n`;
}

export const isEnvelope = (v: unknown): v is Envelope =>
  typeof v === "object" && v !== null && (v as Envelope).format === ENVELOPE_FORMAT;

export function open(env: Envelope, k: EncryptionKey | undefined, where: string): string {
  if (!k) throw new ReduxError(ExitCode.usage, `${where} is encrypted and no key was given`, KEY_HINT);
  if (env.key_id !== k.id) throw new ReduxError(ExitCode.usage, `${where} was encrypted with another key (key id ${env.key_id}, yours is ${k.id})`, "use the key it was written with");
  try {
    const d = nodeCrypto().createDecipheriv("aes-256-gcm", k.key, Buffer.from(env.nonce, "base64"));
    d.setAAD(aad());
    d.setAuthTag(Buffer.from(env.tag, "base64"));
    return Buffer.concat([d.update(Buffer.from(env.ciphertext, "base64")), d.final()]).toString("utf8");
  } catch {
    throw new ReduxError(ExitCode.usage, `${where} failed authentication: it is corrupted or was altered`, "restore it from a backup; the file was left as it is");
  }
}
