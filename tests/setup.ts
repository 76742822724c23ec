// Preloaded before every test file (bunfig.toml): no inherited AWS_*, Amazon Q, redux, proxy or CA variables reach
// in-process SDK clients, and HOME is a throwaway directory, so nothing on the developer's machine is read or written.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "bun:test";

for (const k of Object.keys(process.env)) {
  if (/^(AWS_|AMAZON_Q_|REDUX_)/.test(k) || /^(https?_proxy|no_proxy|all_proxy)$/i.test(k) || k === "NODE_EXTRA_CA_CERTS") delete process.env[k];
}
const home = mkdtempSync(join(tmpdir(), "redux-test-home-"));
process.env.HOME = home;
process.env.AWS_EC2_METADATA_DISABLED = "true";
afterAll(() => rmSync(home, { recursive: true, force: true }));
