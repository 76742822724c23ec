// What a finished turn cost: priced as the target that answered (a fallback may be another model or region), at the
// tier Bedrock says it answered on. The price module is imported only here, once the answer is complete, so the table
// is never on the path to the first token; --debug says how long pricing took (`npm run bench` reads that line).
import type { FailoverResult } from "../bedrock/failover.ts";
import type { Cost } from "../bedrock/prices.ts";

export async function priceAnswer(r: FailoverResult, askedTier: string | undefined, debug?: (line: string) => void): Promise<Cost> {
  const t0 = performance.now();
  const cpu0 = debug && process.cpuUsage();
  const { tierOf, turnCost } = await import("../bedrock/prices.ts");
  const cost = turnCost(r.target.modelId, r.target.region, r.usage, tierOf(askedTier, r.serviceTier));
  if (debug && cpu0) {
    const cpu = process.cpuUsage(cpu0);
    debug(`priced in ${(performance.now() - t0).toFixed(3)} ms (${((cpu.user + cpu.system) / 1000).toFixed(3)} ms CPU): ${cost.price_source ?? "no known price"}`);
  }
  return cost;
}
