// Structured output (--json-schema): the answer must be one JSON document that follows the schema. Bedrock is asked for
// it (outputConfig.textFormat), and the answer is checked here too, because a model can still stop early or stray.
import { ReduxError, ExitCode } from "../errors.ts";

/** Parses and validates the answer; a mismatch is exit 6 (rejected) with the first reasons. */
export async function checkStructuredAnswer(text: string, schema: Record<string, unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReduxError(ExitCode.rejected, `the answer is not JSON: ${(err as Error).message}`, "the answer was kept as it came; retry, or raise --max-tokens if it was cut off");
  }
  // ajv is loaded only on this path: it costs start-up time that no other command needs
  const draft2020 = typeof schema.$schema === "string" && schema.$schema.includes("2020-12");
  const { default: Ajv } = draft2020 ? await import("ajv/dist/2020.js") : await import("ajv");
  const ajv = new Ajv({ allErrors: true, strict: false });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new ReduxError(ExitCode.usage, `the --json-schema is not a valid JSON Schema: ${(err as Error).message}`);
  }
  if (!validate(value)) {
    const reasons = (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || "(root)"} ${e.message}`).join("; ");
    throw new ReduxError(ExitCode.rejected, `the answer does not follow the schema: ${reasons}`, "the answer was kept as it came; retry, or loosen the schema");
  }
  return value;
}
