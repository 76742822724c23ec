// The README and the schemas name source files (`lib/conversations/listing.ts`, `schemas/…`) for readers to open:
// every one must exist, so a module moved into a domain folder cannot leave a dead pointer behind.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const PATH = /\b(?:lib|bin|scripts|tests|schemas)\/[A-Za-z0-9_./-]*\.(?:ts|json|c)\b/g;

const named = (file: string) => [...new Set(readFileSync(join(ROOT, file), "utf8").match(PATH) ?? [])];

describe("files the docs point to exist", () => {
  const docs = ["README.md", ...readdirSync(join(ROOT, "schemas")).map((f) => `schemas/${f}`)];
  for (const doc of docs) {
    test(doc, () => {
      expect(named(doc).filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
    });
  }
});
