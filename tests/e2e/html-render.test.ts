// The HTML export in a real browser (Debian's headless Chromium): hostile model output stays text, and the page renders.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { newConversation } from "../../lib/conversations/conversation.ts";
import { saveConversation } from "../../lib/conversations/store.ts";
import { bin, run, scrubbedEnv, tempHome } from "./harness.ts";

const chromium = Bun.which("chromium") ?? Bun.which("chromium-browser");
if (!chromium) console.warn("SKIPPED: chromium is not installed (apt-get install chromium); the HTML rendering tests did not run");

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const HOSTILE = [
  `Sure. <script>document.title="pwned"</script><img src=x onerror="document.title='pwned'">`,
  `<iframe src="javascript:alert(1)"></iframe> <a href="javascript:alert(1)">click</a> </p></article><b>bold?</b>`,
  "",
  "```js",
  `const ok = 1 < 2 && "<script>";`,
  "```",
  "",
  "and `inline <code>` too.",
].join("\n");

let home: string;
let cleanup: () => void;
let htmlPath: string;

describe.skipIf(!chromium)("HTML export in headless Chromium", () => {
  beforeAll(async () => {
    ({ home, cleanup } = tempHome());
    const dir = join(home, "convs");
    const c = newConversation({ model: "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0", region: "us-east-1", model_id: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", system: "You are <b>helpful</b>" });
    const t = new Date().toISOString();
    c.messages.push({ role: "user", content: [{ text: "Show me <script>alert('user')</script> in a code block" }], timestamp: t });
    c.messages.push({ role: "assistant", content: [{ text: HOSTILE }], timestamp: t, model: c.model, usage: { input_tokens: 12, output_tokens: 40, total_tokens: 52 }, stop_reason: "end_turn", latency_ms: 812, status: "complete" });
    c.usage = { input_tokens: 12, output_tokens: 40, total_tokens: 52 };
    saveConversation(c, { dir });
    htmlPath = join(home, "conversation.html");
    const r = await run(bin("redux-export"), ["--last", "--format", "html", "-o", htmlPath], { env: { ...scrubbedEnv(), HOME: home, REDUX_CONVERSATIONS_DIR: dir } });
    expect(r.code).toBe(0);
  });
  afterAll(() => cleanup());

  const browse = (extra: string[]) =>
    Bun.spawnSync([chromium!, ...FLAGS, `--user-data-dir=${join(home, `profile-${Math.random()}`)}`, ...extra, `file://${htmlPath}`], { stdout: "pipe", stderr: "pipe", timeout: 60_000 });

  test("model output never becomes markup: no script, img, iframe or link elements; the payload is visible text", () => {
    const dom = browse(["--dump-dom"]).stdout.toString();
    // the payload would have retitled the page had it run
    expect(dom).toContain("<title>Show me &lt;script&gt;alert('user')&lt;/script&gt; in a code block</title>");
    const body = dom.slice(dom.indexOf("<body"));
    for (const tag of ["<script", "<img", "<iframe", "<a ", "<b>"]) expect(body).not.toContain(tag);
    expect(body).toContain("&lt;script&gt;document.title=");
    expect(body).toContain("<pre><code>const ok = 1 &lt; 2 &amp;&amp; \"&lt;script&gt;\";</code></pre>");
    expect(body).toContain("<code>inline &lt;code&gt;</code>");
    const html = readFileSync(htmlPath, "utf8");
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/https?:\/\//);
  });

  test("renders to a screenshot in light and dark", () => {
    for (const [name, extra] of [["light", []], ["dark", ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]]] as const) {
      const png = join(home, `${name}.png`);
      const r = browse([`--screenshot=${png}`, "--window-size=1000,1200", "--hide-scrollbars", ...extra]);
      expect({ name, exit: r.exitCode }).toEqual({ name, exit: 0 });
      expect(statSync(png).size).toBeGreaterThan(20_000);
      if (process.env.REDUX_KEEP_SCREENSHOTS) Bun.spawnSync(["cp", png, join(process.env.REDUX_KEEP_SCREENSHOTS, `${name}.png`)]);
    }
  });
});
