// A worker of listSummaries (summaries.ts): summarizes the slice of a conversations directory it is given and posts
// the rows back. Built into the executable as an entry point of its own (scripts/build.ts).
import { loadPricing, summarizeFiles, type SummaryJob } from "./summaries.ts";

declare const self: Worker;

self.onmessage = async (e: MessageEvent<SummaryJob>) => {
  const job = e.data;
  // the main thread waits for this before it reads its own slice (it would otherwise keep this message from us)
  self.postMessage("started");
  // a Buffer arrives as a plain Uint8Array
  const key = job.key ? { ...job.key, key: Buffer.from(job.key.key) } : undefined;
  const part = summarizeFiles({ ...job, ...(key ? { key } : {}) }, await loadPricing());
  // rows as objects go as one JSON string: cloning 25,000 of them across threads took several times longer than this;
  // rows as text (three arrays of strings) clone cheaply, while parsing them as JSON would cost the main thread
  self.postMessage(job.form ? part : JSON.stringify(part));
};
