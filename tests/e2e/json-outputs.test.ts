// The --json outputs that had no schema beside them (settings, prune), validated from the compiled binaries.
import { describe, expect, test } from "bun:test";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { assertValid } from "../schema.ts";
import { bin, run, withTempHome } from "./harness.ts";

let home: string;
let env: Record<string, string>;
withTempHome((ctx) => ({ home, env } = ctx), { once: true, extra: { AWS_EC2_METADATA_DISABLED: "true" } });

describe("--json outputs follow their schemas", () => {
  test("redux-chat settings --json: the whole file, and one value (null when unset)", async () => {
    const chat = (args: string[]) => run(bin("redux-chat"), ["settings", ...args], { env });
    expect(JSON.parse((await chat(["--json"])).stdout)).toEqual({});
    for (const [k, v] of [["chat.maxTokens", "512"], ["chat.autoProfile", "false"], ["chat.defaultModel", "custom:us-east-1:us.amazon.nova-lite-v1:0"], ["batch.s3", "s3://my-bucket/redux"]]) {
      expect((await chat([k!, v!])).code).toBe(0);
    }
    const all = JSON.parse((await chat(["--json"])).stdout);
    expect(all).toEqual({ "chat.maxTokens": 512, "chat.autoProfile": false, "chat.defaultModel": "custom:us-east-1:us.amazon.nova-lite-v1:0", "batch.s3": "s3://my-bucket/redux" });
    assertValid("settings.schema.json", all);
    expect((await chat(["chat.maxTokens", "--json"])).stdout).toBe("512\n");
    expect((await chat(["chat.timeoutSeconds", "--json"])).stdout).toBe("null\n");
  });

  test("redux-export prune --json", async () => {
    const dir = `${home}/.amazon-q/conversations`;
    const c = newConversation({ model: "custom:us-east-1:us.amazon.nova-lite-v1:0", region: "us-east-1", model_id: "us.amazon.nova-lite-v1:0" });
    c.created_at = c.updated_at = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const path = saveConversation(c, { dir });
    const r = await run(bin("redux-export"), ["prune", "--older-than", "30d", "--dry-run", "--json"], { env });
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    assertValid("prune-output.schema.json", o);
    expect(o).toEqual({ dry_run: true, removed: [path], kept: 0, in_use: 0, attachments_removed: 0 });
  });
});
