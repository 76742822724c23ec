// Builds redux: one multicall executable (bin/redux.ts) and redux-chat, redux-test-model and redux-export as hard links
// to it (README "Release archives" has the sizes that decided this). Minified, split (so the AWS SDK chunk is only
// loaded on paths that call AWS) and precompiled to bytecode, which keeps `--version` as fast as an empty binary.
//   bun scripts/build.ts                       this machine's platform, into dist/
//   bun scripts/build.ts --target linux-arm64  another platform (bun-linux-arm64 works too), into dist/linux-arm64/
// Bun fetches a foreign target's runtime itself (from the npm registry, as @oven/bun-<os>-<arch>) and caches it.
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BuildStamp } from "../lib/version.ts";
import { commands, subCommands } from "../bin/commands.ts";

const ENTRIES = Object.keys(commands) as (keyof typeof commands)[];
/** Every platform a release ships for (Bun's --target names without the `bun-` prefix). */
export const TARGETS = ["linux-x64", "linux-x64-baseline", "linux-arm64", "linux-x64-musl", "linux-arm64-musl", "darwin-x64", "darwin-arm64", "windows-x64"] as const;
export type Target = (typeof TARGETS)[number];
export const ROOT = join(import.meta.dir, "..");
export const DIST = join(ROOT, "dist");
/**
 * The profile the bytecode is laid out by (recorded by scripts/bytecode-order.ts from a one-shot chat): what a run
 * uses sits together, so it maps fewer pages of the executable. Used when present; a stale one still applies.
 */
export const BYTECODE_ORDER = join(ROOT, "scripts", "bytecode.order");
/** The worker modules the executable starts (redux-export list reads a large directory on every core). */
const WORKERS = [join(ROOT, "lib", "conversations", "summaries-worker.ts")];

/** The one place the compile flags live; `target` is a TARGETS name (none: this machine). */
export function buildArgs(entry: string, outfile: string, defines: string[] = [], target?: string) {
  // a compiled Bun program would otherwise read .env and bunfig.toml from whatever directory it is started in: a stray
  // file could set AWS_ENDPOINT_URL or keys, preload code, and every start would scan the directory
  return [
    "build",
    "--compile",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    ...(target ? [`--target=bun-${target}`] : []),
    "--minify",
    "--splitting",
    "--bytecode",
    ...(existsSync(BYTECODE_ORDER) ? [`--bytecode-order=${BYTECODE_ORDER}`] : []),
    "--format=esm",
    // the "module" export condition picks the AWS SDK's ES modules where a package's exports list "node" (CommonJS)
    // first, as @aws-sdk/nested-clients does: one CommonJS copy of a package, required there, made every importer
    // share it whole, and @smithy/node-http-handler's whole file loads node:https and node:http, which a one-shot chat
    // over HTTP/2 never uses. As ES modules, the build splits a package by what each path imports
    "--conditions=module",
    "--sourcemap=none",
    // JavaScriptCore's tier-up thresholds x8 at start: run-once code stays in the interpreter instead of paying for
    // compiles it never earns back (one-shot chat: about -10% wall, -20% CPU); batch and the REPL set it back to 1
    "--compile-jit-policy=8",
    ...defines,
    join(ROOT, "bin", `${entry}.ts`),
    // Workers are entry points of their own in a compiled executable (`new Worker(new URL("./x.ts", import.meta.url))`)
    ...(entry === "redux" ? WORKERS : []),
    "--outfile",
    outfile,
  ];
}

/** The target this machine runs (what a build without --target produces). */
export function hostTarget(): Target {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  if (process.platform === "darwin") return `darwin-${arch}`;
  if (process.platform === "win32") return "windows-x64";
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
  return glibc ? `linux-${arch}` : `linux-${arch}-musl`;
}

export function parseTarget(s: string): Target {
  const t = s.replace(/^bun-/, "").replace("aarch64", "arm64");
  if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target ${s}: one of ${TARGETS.join(", ")}`);
  return t as Target;
}

const git = (...args: string[]) => {
  const p = Bun.spawnSync(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  return p.exitCode === 0 ? p.stdout.toString().trim() : undefined;
};

/** The commit of the checkout (`-dirty` with uncommitted changes to tracked files) and today's date, or SOURCE_DATE_EPOCH's. */
function buildStamp(target: Target): BuildStamp {
  const head = git("rev-parse", "--short=7", "HEAD");
  const dirty = head !== undefined && git("status", "--porcelain", "--untracked-files=no") !== "";
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  const date = (Number.isFinite(epoch) && process.env.SOURCE_DATE_EPOCH ? new Date(epoch * 1000) : new Date()).toISOString().slice(0, 10);
  return { commit: head ? `${head}${dirty ? "-dirty" : ""}` : "unknown", target, date };
}

/** Renders every --help from source, so the binary can print it without loading or rendering anything. */
export async function renderHelp(): Promise<Record<string, string>> {
  // each command and its subcommands, as bin/commands.ts lists them (the help shortcut in bin/shared/cli.ts goes one deep)
  const jobs = ENTRIES.flatMap((entry) => [[], ...Object.keys(subCommands[entry]).map((s) => [s])].map((path) => ({ entry, path })));
  const texts = await Promise.all(
    jobs.map(async ({ entry, path }) => {
      const p = Bun.spawn([process.execPath, join(ROOT, "bin", `${entry}.ts`), ...path, "--help"], { cwd: ROOT, stdout: "pipe", stderr: "inherit", env: { ...process.env, NO_COLOR: "1" } });
      const [text, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
      if (code !== 0) throw new Error(`${entry} ${path.join(" ")} --help exited ${code}`);
      return [[entry, ...path].join(" "), text.replace(/\n$/, "")] as const;
    }),
  );
  return Object.fromEntries(texts);
}

export const exeName = (name: string, target: Target) => (target.startsWith("windows") ? `${name}.exe` : name);

/**
 * Compiles bin/redux.ts for one target into outDir as `redux`, then hard-links the three command names to it.
 * Returns the executable's path; throws with Bun's output when the compile fails.
 */
export async function buildTarget(o: { target: Target; cross: boolean; outDir: string; help: Record<string, string> }): Promise<string> {
  mkdirSync(o.outDir, { recursive: true });
  const outfile = join(o.outDir, exeName("redux", o.target));
  for (const name of ["redux", ...ENTRIES]) rmSync(join(o.outDir, exeName(name, o.target)), { force: true });
  const defines = ["--define", `REDUX_HELP=${JSON.stringify(o.help)}`, "--define", `REDUX_BUILD=${JSON.stringify(buildStamp(o.target))}`];
  const p = Bun.spawn([process.execPath, ...buildArgs("redux", outfile, defines, o.cross ? o.target : undefined)], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if (code !== 0) throw new Error(`build for ${o.target} failed:\n${out}${err}`);
  for (const name of ENTRIES) linkSync(outfile, join(o.outDir, exeName(name, o.target)));
  return outfile;
}

if (import.meta.main) {
  const i = process.argv.findIndex((a) => a === "--target" || a.startsWith("--target="));
  const given = i < 0 ? undefined : process.argv[i]!.includes("=") ? process.argv[i]!.split("=")[1] : process.argv[i + 1];
  try {
    if (i >= 0 && !given) throw new Error("--target needs a value");
    const target = given ? parseTarget(given) : hostTarget();
    const outDir = given ? join(DIST, target) : DIST;
    const t0 = performance.now();
    // stale output of earlier layouts (three separate binaries) must not be mistaken for this build
    if (existsSync(outDir)) for (const f of readdirSync(outDir)) if (/^redux(-[a-z-]+)?(\.exe)?$/.test(f)) rmSync(join(outDir, f), { force: true });
    const file = await buildTarget({ target, cross: given !== undefined, outDir, help: await renderHelp() });
    const rel = file.slice(ROOT.length + 1);
    console.error(`built ${rel} for ${target} (${(statSync(file).size / 1048576).toFixed(1)} MiB), hard-linked as ${ENTRIES.join(", ")}`);
    console.error(`build took ${Math.round(performance.now() - t0)} ms`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
