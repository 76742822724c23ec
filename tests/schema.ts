// JSON Schema validation for tests: every saved conversation and every export is checked against the published schemas.
import Ajv2020 from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat("date-time", (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
const load = (name: string) => ajv.compile(JSON.parse(readFileSync(join(import.meta.dir, "..", "schemas", name), "utf8")));
const validators = new Map<string, ReturnType<typeof load>>();

export function assertValid(schema: string, value: unknown) {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = load(schema)));
  if (!v(value)) throw new Error(`not valid against ${schema}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
}

export const assertValidConversation = (value: unknown) => assertValid("conversation.schema.json", value);
