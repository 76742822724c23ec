// A summaries worker (lib/conversations/summaries-worker.ts) that dies at its job, as one hit by a bug would: it takes
// the job, says it started (or, when the directory is named `before`, not even that) and exits without its rows.
import type { SummaryJob } from "../../lib/conversations/summaries.ts";

declare const self: Worker;

self.onmessage = (e: MessageEvent<SummaryJob>) => {
  if (!e.data.dir.endsWith("before")) self.postMessage("started");
  process.exit(3);
};
