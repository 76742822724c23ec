// The baseline the long-stream bench compares against: the bare SDK loop (ConverseStream, every text delta kept,
// the answer written once at the end), compiled with the same flags as redux. Credentials from env, endpoint from
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";

const client = new BedrockRuntimeClient({ region: process.env.AWS_REGION });
const res = await client.send(new ConverseStreamCommand({ modelId: process.argv[2], messages: [{ role: "user", content: [{ text: "hello" }] }] }));
const parts: string[] = [];
for await (const ev of res.stream!) if (ev.contentBlockDelta?.delta?.text) parts.push(ev.contentBlockDelta.delta.text);
console.log(parts.join(""));
client.destroy();
process.exit(0);
