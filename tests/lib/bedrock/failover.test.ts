import { describe, expect, test } from "bun:test";
import { answerWithFailover, movesOn } from "../../../lib/bedrock/failover.ts";
import { createHealth } from "../../../lib/bedrock/health.ts";
import { targetList, type Target } from "../../../lib/bedrock/targets.ts";
import { parseModelString } from "../../../lib/bedrock/model-string.ts";
import { ExitCode, ReduxError, translateAwsError } from "../../../lib/errors.ts";
import type { TurnResult } from "../../../lib/bedrock/runtime.ts";

const aws = (name: string, message = "m", extra: Record<string, unknown> = {}) => translateAwsError(Object.assign(new Error(message), { name, ...extra }), { region: "us-east-1", modelId: "x" });
const fails = (error: ReduxError, text = ""): TurnResult => ({ text, status: "error", latencyMs: 1, error });
const ok = (text = "hi"): TurnResult => ({ text, status: "complete", latencyMs: 1, stopReason: "end_turn" });

describe("movesOn", () => {
  const p = { primary: true, shown: false };
  test("throttling, unavailable, internal, not ready, model timeout, connection failures and timeouts move on", () => {
    for (const name of ["ThrottlingException", "ServiceUnavailableException", "InternalServerException", "ModelNotReadyException", "ModelTimeoutException", "ServiceQuotaExceededException"]) {
      expect([name, movesOn(aws(name), p)]).toEqual([name, true]);
    }
    expect(movesOn(aws("Error", "connect ECONNREFUSED 1.2.3.4:443", { code: "ECONNREFUSED" }), p)).toBe(true);
    expect(movesOn(new ReduxError(ExitCode.unavailable, "timed out: no answer from Bedrock for 60 s"), p)).toBe(true);
  });
  test("in-stream errors move on before any text was shown, never after", () => {
    const streamErr = aws("ModelStreamErrorException", "The model stream failed");
    expect(streamErr.code).toBe(ExitCode.rejected);
    expect(movesOn(streamErr, p)).toBe(true);
    expect(movesOn(streamErr, { primary: true, shown: true })).toBe(false);
    expect(movesOn(aws("ThrottlingException"), { primary: false, shown: true })).toBe(false);
    expect(movesOn(new ReduxError(ExitCode.unavailable, "the answer stream ended before it was complete (no messageStop event)"), p)).toBe(true);
  });
  test("access denied, validation, no credentials and Ctrl-C never move; not found only moves from a fallback", () => {
    for (const name of ["AccessDeniedException", "ValidationException", "UnrecognizedClientException", "CredentialsProviderError", "AbortError"]) {
      expect([name, movesOn(aws(name), { primary: false, shown: false })]).toEqual([name, false]);
    }
    expect(movesOn(new ReduxError(ExitCode.interrupted, "interrupted"), p)).toBe(false);
    expect(movesOn(aws("ResourceNotFoundException"), p)).toBe(false);
    expect(movesOn(aws("ResourceNotFoundException"), { primary: false, shown: false })).toBe(true);
  });
});

describe("answerWithFailover", () => {
  const targets = targetList(parseModelString("custom:us-east-1:a"), ["custom:us-west-2:b", "custom:eu-west-1:c"].map((m) => parseModelString(m)));
  const run = (script: Record<string, () => TurnResult>, health = createHealth(), shown = false) => {
    const tried: string[] = [];
    const lines: string[] = [];
    const p = answerWithFailover({
      targets,
      health,
      shown: () => shown,
      debug: (l) => lines.push(l),
      attempt: async (t: Target) => (tried.push(t.region), script[t.region]!()),
    });
    return p.then((r) => ({ r, tried, lines }));
  };

  test("the next target answers; the record names it and the failure before it; --debug says the switch", async () => {
    const { r, tried, lines } = await run({ "us-east-1": () => fails(aws("ServiceUnavailableException")), "us-west-2": () => ok("from b") });
    expect(tried).toEqual(["us-east-1", "us-west-2"]);
    expect(r.text).toBe("from b");
    expect(r.target.model).toBe("custom:us-west-2:b");
    expect(r.failed).toEqual([{ target: "custom:us-east-1:a", class: "unavailable", message: expect.stringContaining("ServiceUnavailableException") }]);
    expect(lines[0]).toContain("failover: custom:us-east-1:a failed (unavailable");
    expect(lines[0]).toContain("trying custom:us-west-2:b");
  });

  test("every target failed: the last one's exit code, and each target with its class", async () => {
    const { r } = await run({
      "us-east-1": () => fails(aws("ThrottlingException")),
      "us-west-2": () => fails(aws("Error", "connect ECONNREFUSED", { code: "ECONNREFUSED" })),
      "eu-west-1": () => fails(aws("ResourceNotFoundException")),
    });
    expect(r.error!.code).toBe(ExitCode.access);
    expect(r.error!.message).toContain("every target failed: custom:us-east-1:a (unavailable), custom:us-west-2:b (unavailable), custom:eu-west-1:c (access)");
    expect(r.target.region).toBe("eu-west-1");
    // the record names the last target; the failed attempts are the ones before it
    expect(r.failed.map((f) => f.target)).toEqual(["custom:us-east-1:a", "custom:us-west-2:b"]);
  });

  test("a failure that never moves stops at once", async () => {
    const { r, tried } = await run({ "us-east-1": () => fails(aws("AccessDeniedException")), "us-west-2": () => ok() });
    expect(tried).toEqual(["us-east-1"]);
    expect(r.error!.code).toBe(ExitCode.access);
  });

  test("text already shown: no restart elsewhere, the partial answer is kept", async () => {
    const { r, tried } = await run({ "us-east-1": () => fails(aws("ModelStreamErrorException"), "partial "), "us-west-2": () => ok() }, createHealth(), true);
    expect(tried).toEqual(["us-east-1"]);
    expect(r.text).toBe("partial ");
    expect(r.status).toBe("error");
  });

  test("a target cooling down is skipped; when all are, they are tried anyway, soonest-ready first", async () => {
    const health = createHealth();
    await run({ "us-east-1": () => fails(aws("ThrottlingException")), "us-west-2": () => ok() }, health);
    const second = await run({ "us-east-1": () => ok("a"), "us-west-2": () => ok("b") }, health);
    expect(second.tried).toEqual(["us-west-2"]);
    expect(second.lines[0]).toMatch(/skipping custom:us-east-1:a: cooling down for \d+ s after unavailable/);
    let t = Date.now();
    const h2 = createHealth({ now: () => t });
    for (const m of ["custom:us-west-2:b", "custom:us-east-1:a", "custom:eu-west-1:c"]) {
      h2.onFailure(m, { final: true });
      t += 1000;
    }
    const third = await run({ "us-east-1": () => fails(aws("ThrottlingException")), "us-west-2": () => fails(aws("ThrottlingException")), "eu-west-1": () => ok("c") }, h2);
    expect(third.tried).toEqual(["us-west-2", "us-east-1", "eu-west-1"]);
    expect(third.r.text).toBe("c");
  });
});
