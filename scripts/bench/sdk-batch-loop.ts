// The baseline the batch CPU figure compares against: the bare SDK doing what a batch must (read the prompts, one
// ConverseStream each at concurrency 16 over a keep-alive pool, every text delta kept, one JSON line per answer),
// compiled with the same flags as redux. Credentials from env, endpoint from AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
// argv: IN OUT MODEL CONCURRENCY
import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { appendFileSync, readFileSync } from "node:fs";
import { Agent } from "node:http";

Bun.unsafe.setJITPolicy(1); // as redux's batch does
const [input, out, modelId, concurrency] = process.argv.slice(2) as [string, string, string, string];
const prompts = readFileSync(input, "utf8").split("\n").filter(Boolean);
const client = new BedrockRuntimeClient({
  region: process.env.AWS_REGION,
  requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: Number(concurrency) }) }),
});
let next = 0;
async function worker() {
  while (next < prompts.length) {
    const i = next++;
    const res = await client.send(new ConverseStreamCommand({ modelId, messages: [{ role: "user", content: [{ text: prompts[i]! }] }] }), { abortSignal: new AbortController().signal });
    let text = "";
    for await (const ev of res.stream!) if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
    appendFileSync(out, `${JSON.stringify({ id: String(i + 1), status: "ok", text })}\n`);
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
client.destroy();
