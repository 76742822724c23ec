// The files of a batch run as a test sees them: an input written into the test's HOME, and OUT read back with every
// line checked against schemas/batch-output.schema.json.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertValid } from "../schema.ts";

/** Writes `text` to `dir/name`; returns the path. */
export function writeIn(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** OUT's lines, parsed, each valid against the batch output schema. */
export const readBatchOut = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const v = JSON.parse(l);
      assertValid("batch-output.schema.json", v);
      return v;
    });
