// The most recently updated conversation (redux-export --last, redux-chat -c), found in one pass over the directory
// that keeps only the best candidate's path and dates, then read again whole: one conversation in memory at a time.
import { readFileSync, statSync } from "node:fs";
import { ReduxError, ExitCode } from "../errors.ts";
import { isEnvelope } from "./envelope.ts";
import { conversationsIn, oldestFirst, readConversationFile, type ListResult, type StoreOptions, type StoredConversation } from "./store-read.ts";

interface Candidate {
  path: string;
  created: string;
  updated: string;
}

/**
 * Whether `c` wins over `best`: the later updated_at (compared as text), ties to the earlier created_at, then the
 * earlier path, both by localeCompare. This is what sorting by (created_at, path) with localeCompare and keeping the
 * first of the greatest updated_at gave; a candidate that compares equal keeps the one met first in directory order,
 * as that stable sort did. The file names' timestamps are created_at, not updated_at: they cannot answer this.
 */
export function beats(c: Candidate, best: Candidate | undefined): boolean {
  if (!best) return true;
  if (c.updated !== best.updated) return c.updated > best.updated;
  return oldestFirst(c, best) < 0;
}

/** The path and dates of the newest readable conversation; files passed over go to `skipped` (directory order). */
function newestCandidate(opts: StoreOptions, skipped: ListResult["skipped"]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const { path, conversation: c } of conversationsIn(opts, skipped)) {
    const candidate = { path, created: c.created_at, updated: c.updated_at };
    if (beats(candidate, best)) best = candidate;
  }
  return best;
}

/** Passes over the directory before giving up when the newest file keeps vanishing (or breaking) before it is read. */
const ATTEMPTS = 3;

/**
 * The most recently updated conversation (undefined when there is none), and the files passed over on the way.
 * Without a key, an encrypted file written after it is the real newest: that is refused (exit 2) rather than
 * silently falling back to an older plaintext conversation. The winner is read a second time: when it was deleted or
 * damaged in between, the directory is looked at again, so the answer is the newest of what is there now. `read`:
 * how the winner is read again (a test gives one that loses the file first).
 */
export function newestConversation(opts: StoreOptions, read = readConversationFile): { newest?: StoredConversation; skipped: ListResult["skipped"] } {
  for (let attempt = 1; ; attempt++) {
    const skipped: ListResult["skipped"] = [];
    const best = newestCandidate(opts, skipped);
    if (!opts.key && skipped.length) refuseNewerEncrypted(best?.path, skipped);
    if (!best) return { skipped };
    try {
      return { newest: { path: best.path, conversation: read(best.path, opts.key) }, skipped };
    } catch (err) {
      if (attempt === ATTEMPTS) throw err;
    }
  }
}

/** Exit 2 when a skipped file is encrypted and was written after the newest readable one (`newest`'s path). */
function refuseNewerEncrypted(newest: string | undefined, skipped: ListResult["skipped"]) {
  const since = newest ? mtimeMs(newest) : -Infinity;
  const newer = skipped.filter((s) => isEncryptedFile(s.path) && mtimeMs(s.path) > since);
  if (!newer.length) return;
  throw new ReduxError(
    ExitCode.usage,
    `the newest conversation is encrypted and no key was given: ${newer.sort((a, b) => mtimeMs(b.path) - mtimeMs(a.path))[0]!.path}`,
    "pass --key-file PATH or set REDUX_ENCRYPTION_KEY (or the setting chat.encryptionKeyFile); to pick another conversation, use --resume ID (redux-export list)",
  );
}

const mtimeMs = (path: string) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
};

function isEncryptedFile(path: string): boolean {
  try {
    return isEnvelope(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return false;
  }
}
