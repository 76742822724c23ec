// The baseline the one-shot bench compares against: a minimal Node script that sends the same ConverseStream with
// the same SDK, credentials from env, endpoint from AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";

const client = new BedrockRuntimeClient({ region: process.env.AWS_REGION });
const res = await client.send(
  new ConverseStreamCommand({ modelId: process.argv[2], messages: [{ role: "user", content: [{ text: process.argv[3] ?? "hello" }] }] }),
);
for await (const ev of res.stream) if (ev.contentBlockDelta?.delta?.text) process.stdout.write(ev.contentBlockDelta.delta.text);
process.stdout.write("\n");
client.destroy();
