// The rows of `redux-export list`: every conversation file read, validated, filtered and summarized, keeping only the
// summaries. A large directory is shared out between this thread and workers (summaries-worker.ts), one contiguous
// slice of the file names each, so reading and parsing 50,000 files use the idle cores. Each thread sorts its rows,
// and turns them into the text they are printed as when that is asked for; here they are merged in list order, so the
// answer is the same however many threads read it.
import type * as NodeFs from "node:fs";
import type * as NodeOs from "node:os";
import type { EncryptionKey } from "./envelope.ts";
import type { Conversation } from "./conversation.ts";
import { conversationFileNames, pathInDir, readOrSkip, type ListResult, type StoreOptions } from "./store-read.ts";
import { inListOrder, keyed, makeFilter, mergeSorted, sortSummaries, summarize, type ConversationSummary, type Filters, type SortedRows } from "./listing.ts";
import { rowLine, type LineForm } from "./list-lines.ts";
import { ExitCode, ReduxError } from "../errors.ts";

interface Summaries {
  /** The rows in list order; empty when they were asked for as text (`lines`). */
  items: ConversationSummary[];
  /** With a LineForm: each row's line, in list order. */
  lines?: string[];
  skipped: ListResult["skipped"];
  /** How many threads read the files (1, or 1 plus the workers that did their share). */
  threads?: number;
}

/** What a worker is given: its slice of the directory, and the filters with the time they are relative to. */
export interface SummaryJob {
  dir: string;
  names: string[];
  key?: EncryptionKey;
  filters: Filters;
  now: number;
  /** The rows wanted as text (a piped list), not as objects (the table). */
  form?: LineForm;
}

/** One thread's share: its rows in list order, as objects or (with a LineForm) as text. */
interface Part {
  items: ConversationSummary[];
  text?: SortedRows<string>;
  skipped: ListResult["skipped"];
  /** 1 when a worker read it (not this thread, after a worker failed to start). */
  threads?: number;
}

type Pricing = typeof import("./usage-report.ts");

/** From this many files a thread collects its garbage once it has read them all (summarizeFiles). */
const COLLECT_FROM = 2000;

/**
 * One slice of a directory's files summarized (the body of every thread's work): the rows in list order, each thread
 * sorting its own, and the files passed over in file order.
 */
export function summarizeFiles(job: SummaryJob, pricing: Pricing): Part {
  const keep = makeFilter(job.filters, job.now);
  const pricer = pricing.createPricer();
  const cost = (c: Conversation) => pricing.conversationCost(c, pricer);
  const pathOf = pathInDir(job.dir);
  const items: ConversationSummary[] = [];
  const skipped: ListResult["skipped"] = [];
  const form = job.form;
  // with a form, each row is kept as its text and the two keys it sorts by, not as an object
  const text: string[] = [];
  const createdAt: string[] = [];
  const pathOfRow: string[] = [];
  // a plain loop, not a generator: the first use of one costs a `list` of one file a noticeable part of its start-up
  for (let i = 0; i < job.names.length; i++) {
    const path = pathOf(job.names[i]!);
    const conversation = readOrSkip(path, job.key, skipped);
    if (!conversation || !keep(conversation)) continue;
    const row = summarize({ path, conversation }, cost);
    if (!form) {
      items.push(row);
      continue;
    }
    // the row's text made now, while what it is made of is fresh in the cache: made after the sort, from rows
    // scattered over the heap, the lines took 158 ms of a 50,000-file listing's main thread (27,000 rows)
    text.push(rowLine(row, form));
    createdAt.push(row.created_at);
    pathOfRow.push(row.path);
  }
  if (!form) return { items: sortSummaries(items), skipped };
  // what was parsed is garbage now: collected before the lines are sorted, cross threads, are merged and printed,
  // where a large listing peaks (50,000 files: 247-251 MiB against 256-288 without); a small one is not worth the
  // pause. Not for a terminal's table, whose rows stay objects: there it raised the peak on one thread (297 -> 306 MB)
  if (job.names.length >= COLLECT_FROM) Bun.gc(true);
  return { items: [], text: inListOrder(text, createdAt, pathOfRow), skipped };
}

// in an executable, a worker is named by its entry point's path from the project root (scripts/build.ts adds it);
// from source, by the file itself
const WORKER = Bun.isStandaloneExecutable ? "./lib/conversations/summaries-worker.ts" : new URL("./summaries-worker.ts", import.meta.url).href;

/** Below this many files one thread is quicker than starting another (about 10 ms each). */
const PARALLEL_FROM = 2000;
const MAX_THREADS = 4;
/** This thread's share of the files against a worker's 1. */
const MINE = 1.2;

/**
 * How many cores other work keeps busy now: the tasks the kernel has runnable at this moment (/proc/loadavg's fourth
 * field, `running/total`) less this one; without that file (macOS, Windows), the 1-minute load average. The average
 * lags by a minute: just after a build, or a bench's earlier steps, it says a core is busy that is idle now.
 */
export function busyCores(loadavgText?: string): number {
  try {
    const running = Number((loadavgText ?? (require("node:fs") as typeof NodeFs).readFileSync("/proc/loadavg", "latin1")).split(" ")[3]?.split("/")[0]);
    if (running >= 1) return running - 1;
  } catch {
    // no /proc: the load average below
  }
  // node:os only past the threshold: a small directory's list does not load it
  return (require("node:os") as typeof NodeOs).loadavg()[0] ?? 0;
}

/**
 * How many threads read `files` files: one per core that is idle now (cores less busyCores(), rounded), at most 4.
 * Workers cost about a fifth more CPU in all (each compiles the same code, and the rows cross back): on a machine whose
 * cores are already busy they made listing slower, not faster.
 */
export function threadsFor(files: number, cores = navigator.hardwareConcurrency || 1, busy?: number): number {
  if (files < PARALLEL_FROM) return 1;
  return Math.max(1, Math.min(MAX_THREADS, cores, Math.round(cores - (busy ?? busyCores()))));
}

/**
 * The pricing modules (the price table), loaded when there is something to price: an empty directory does not pay
 * for them. Imported, not required: importing a module compiled to bytecode is the cheaper way.
 */
export const loadPricing = (): Promise<Pricing> => import("./usage-report.ts");

/**
 * A slice summarized by a worker: `started` settles once the worker has the job (until then it waits on this thread's
 * event loop, so this thread must not start its own slice before), `done` with the rows. A worker that cannot start
 * or fails leaves its slice to this thread; one that ends without sending its rows (it exited, or was stopped) rejects
 * `done` with an internal error (exit 1): without that the listing would wait for it for ever.
 */
function inWorker(job: SummaryJob, pricing: Pricing, url: string): { started: Promise<void>; done: Promise<Part> } {
  let started!: () => void;
  const start = new Promise<void>((resolve) => (started = resolve));
  const done = new Promise<Part>((resolve, reject) => {
    let stalled: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    // the first of result, failure, stall or exit decides; the others (a close after terminate()) change nothing
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(stalled);
      started();
      then();
    };
    const fallBack = () => settle(() => resolve(summarizeFiles(job, pricing)));
    let worker: Worker;
    try {
      worker = new Worker(url);
    } catch {
      return fallBack();
    }
    // a worker that never gets going (a platform that cannot start one) must not hold the listing up
    stalled = setTimeout(() => {
      worker.terminate();
      fallBack();
    }, 5000);
    worker.onmessage = (e: MessageEvent<string | Part>) => {
      if (e.data === "started") {
        clearTimeout(stalled);
        return started();
      }
      worker.terminate();
      const part = e.data;
      // the rows as objects cross as one JSON string (cloning 25,000 objects took several times longer); as text, cloned
      settle(() => resolve({ ...(typeof part === "string" ? (JSON.parse(part) as Part) : part), threads: 1 }));
    };
    worker.onerror = () => {
      worker.terminate();
      fallBack();
    };
    worker.addEventListener("close", (e) => {
      const code = (e as Event & { code?: number }).code;
      settle(() =>
        reject(
          new ReduxError(
            ExitCode.internal,
            `a thread reading the conversations directory ended${code === undefined ? "" : ` (exit code ${code})`} before it sent its rows`,
            "run again with --debug and report it",
          ),
        ),
      );
    });
    worker.postMessage(job);
  });
  // awaited only after this thread's own slice: a worker that ends before then must not count as unhandled meanwhile
  done.catch(() => {});
  return { started: start, done };
}

interface ListOptions {
  /** The rows wanted as text: `lines` then holds them and `items` is empty. */
  form?: LineForm;
  /** The time relative filters (`7d`) count back from. */
  now?: number;
  threadsTo?: (files: number) => number;
  /** The module the workers run (a test gives one that dies). */
  worker?: string;
}

/**
 * The summaries of the conversations that pass the filters, oldest first by creation time (ties by path), and the
 * files passed over in directory order. Bad filter values are usage errors, found before anything is read.
 */
export async function listSummaries(store: StoreOptions, filters: Filters, o: ListOptions = {}): Promise<Summaries> {
  const { form, now = Date.now(), threadsTo = threadsFor, worker = WORKER } = o;
  makeFilter(filters, now);
  // only the filters: `filters` may be the whole parsed command line
  const f: Filters = { since: filters.since, until: filters.until, model: filters.model, status: filters.status };
  const names = conversationFileNames(store.dir);
  const planned = threadsTo(names.length);
  // this thread's slice is the larger: a worker starts later and its rows cross back as JSON that this thread parses
  // (two threads over 50,000 files: this thread waited 120-190 ms for the worker after an even split)
  const first = planned === 1 ? names.length : Math.ceil((names.length * MINE) / (MINE + planned - 1));
  const per = Math.ceil((names.length - first) / Math.max(1, planned - 1));
  const slice = (i: number) => (i === 0 ? names.slice(0, first) : names.slice(first + (i - 1) * per, first + i * per));
  const job = (i: number): SummaryJob => ({ dir: store.dir, names: slice(i), ...(store.key ? { key: store.key } : {}), filters: f, now, ...(form ? { form } : {}) });
  // the workers take the later slices; this thread reads the first one meanwhile
  if (!names.length) return { items: [], ...(form ? { lines: [] } : {}), skipped: [], threads: 1 };
  const pricing = await loadPricing();
  const others: ReturnType<typeof inWorker>[] = [];
  for (let i = 1; i < planned; i++) others.push(inWorker(job(i), pricing, worker));
  await Promise.all(others.map((w) => w.started));
  const mine = summarizeFiles(job(0), pricing);
  const parts = [mine, ...(await Promise.all(others.map((w) => w.done)))];
  // concat, not flatMap: flatMap steps through the list in JavaScript, concat copies it natively
  const skipped = parts.length === 1 ? mine.skipped : mine.skipped.concat(...parts.slice(1).map((p) => p.skipped));
  const threads = 1 + parts.reduce((n, p) => n + (p.threads ?? 0), 0);
  // each part is sorted by its own thread: merged, not sorted again (the sort was a tenth of 50,000 files on two threads)
  if (form) return { items: [], lines: mergeSorted(parts.map((p) => p.text!)), skipped, threads };
  return { items: parts.length === 1 ? mine.items : mergeSorted(parts.map((p) => keyed(p.items))), skipped, threads };
}
