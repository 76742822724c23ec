// End-to-end harness: runs the compiled dist/ binaries the way a user would, with a scrubbed environment (no
// inherited AWS_* variables), a temporary HOME, and the loopback fake AWS as the only endpoint.
import { afterAll, afterEach, beforeAll, beforeEach } from "bun:test";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const DIST = join(ROOT, "dist");

export const bin = (name: "redux-chat" | "redux-test-model" | "redux-export") => {
  const p = join(DIST, name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run \`npm run build\` first (npm test does)`);
  return p;
};

/** A fresh temporary HOME; remove it with cleanup(). */
export function tempHome(): { home: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), "redux-e2e-"));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** The parent environment without anything AWS, proxy or redux related. */
export function scrubbedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(AWS_|AMAZON_Q_|REDUX_)/.test(k)) continue;
    if (/^(https?_proxy|no_proxy|all_proxy)$/i.test(k)) continue;
    if (k === "NODE_EXTRA_CA_CERTS" || k === "FORCE_COLOR") continue;
    out[k] = v;
  }
  return out;
}

/**
 * A temporary HOME for each test (`once`: one for the whole file) and the environment a binary gets there when it
 * needs no fake: scrubbedEnv(), HOME, NO_COLOR, `extra`, and with `convs` REDUX_CONVERSATIONS_DIR=HOME/<convs>.
 * Handed to `set` with `dir`, where the conversations are, before each test (or once); removed after.
 */
export function withTempHome(
  set: (ctx: { home: string; dir: string; env: Record<string, string> }) => void,
  o: { once?: boolean; convs?: string; extra?: Record<string, string> } = {},
) {
  let cleanup = () => {};
  const setup = () => {
    const t = tempHome();
    cleanup = t.cleanup;
    const dir = join(t.home, ...(o.convs ? [o.convs] : [".amazon-q", "conversations"]));
    set({ home: t.home, dir, env: { ...scrubbedEnv(), HOME: t.home, NO_COLOR: "1", ...o.extra, ...(o.convs ? { REDUX_CONVERSATIONS_DIR: dir } : {}) } });
  };
  (o.once ? beforeAll : beforeEach)(setup);
  (o.once ? afterAll : afterEach)(() => cleanup());
}

export const FAKE_KEY = { id: "AKIDFAKEEXAMPLE0001", secret: "fake-secret-0001" };

/** The usual environment for a binary talking to the fake: static keys from env, IMDS off, a temp HOME. */
export function fakeEnv(home: string, fakeUrl: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    ...scrubbedEnv(),
    HOME: home,
    NO_COLOR: "1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: FAKE_KEY.id,
    AWS_SECRET_ACCESS_KEY: FAKE_KEY.secret,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fakeUrl,
    AWS_ENDPOINT_URL_BEDROCK: fakeUrl,
    AWS_ENDPOINT_URL_STS: fakeUrl,
    AWS_ENDPOINT_URL_SSO: fakeUrl,
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/**
 * What a credential scenario starts from: fakeEnv() without keys (and without the control plane's endpoint), so the
 * only credential source is the one the scenario adds in `extra`.
 */
export const keylessEnv = (home: string, fakeUrl: string, extra: Record<string, string | undefined> = {}) =>
  fakeEnv(home, fakeUrl, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_ENDPOINT_URL_BEDROCK: undefined, ...extra });

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a binary to completion (killed after `timeoutMs`), with optional stdin text. */
export async function run(
  file: string,
  args: string[],
  o: { env: Record<string, string>; stdin?: string; timeoutMs?: number; cwd?: string } ,
): Promise<RunResult> {
  const t0 = performance.now();
  const p = Bun.spawn([file, ...args], {
    env: o.env,
    cwd: o.cwd ?? o.env.HOME,
    stdin: o.stdin === undefined ? "ignore" : new Blob([o.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const killer = setTimeout(() => p.kill("SIGKILL"), o.timeoutMs ?? 30_000);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(killer);
  return { code, stdout, stderr, ms: performance.now() - t0 };
}

export interface FakeAwsContext {
  fake: import("../fakes/fake-aws.ts").FakeAws;
  home: string;
  env: Record<string, string>;
}

/**
 * The usual fixture of a test file: one fake AWS for the file, and for every test a fresh temporary HOME, the
 * environment of fakeEnv() and an emptied request log, handed to `set` before each test.
 */
export function withFakeAws(set: (ctx: FakeAwsContext) => void, opts: { chunkDelayMs?: number } = {}) {
  let fake: FakeAwsContext["fake"];
  let cleanup = () => {};
  beforeAll(async () => {
    const { startFakeAws } = await import("../fakes/fake-aws.ts");
    fake = await startFakeAws(opts);
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    const t = tempHome();
    cleanup = t.cleanup;
    fake.reset();
    set({ fake, home: t.home, env: fakeEnv(t.home, fake.url) });
  });
  afterEach(() => cleanup());
}
