// Printing `redux-export list`'s piped forms from the rows' lines (lib/conversations/list-lines.ts): the JSON array,
// or the header and the tab-separated lines. Shared by the command (list.ts) and its fast path (list-fast.ts), which
// must print the same bytes.
import { TSV_HEADER } from "../../lib/conversations/list-lines.ts";

const PER_WRITE = 1000;

/** The rows' JSON as one array and a newline (what JSON.stringify(rows) gives), to `write` a thousand rows at a time. */
export function writeJson(lines: string[], write: (s: string) => void) {
  if (!lines.length) return write("[]\n");
  for (let i = 0; i < lines.length; i += PER_WRITE) {
    write(`${i ? "," : "["}${lines.slice(i, i + PER_WRITE).join(",")}${i + PER_WRITE >= lines.length ? "]\n" : ""}`);
  }
}

/** The header line (unless `header` is false) and the rows' lines, a thousand to a write. */
export function writeTsv(lines: string[], header: boolean, write: (s: string) => void) {
  if (header) write(TSV_HEADER);
  for (let i = 0; i < lines.length; i += PER_WRITE) write(lines.slice(i, i + PER_WRITE).join(""));
}
