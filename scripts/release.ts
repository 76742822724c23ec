// Builds a release into dist/release/: for every target (scripts/build.ts TARGETS) one archive,
// redux-<version>-<target>.tar.gz, holding the directory redux-<version>-<target>/ with the multicall executable `redux`
// and redux-chat, redux-test-model, redux-export hard-linked to it (stored once); then SHA256SUMS over every file and
// sbom.cdx.json, the CycloneDX SBOM of the npm dependencies bundled into the executables (plus the Bun runtime), and
// install.sh.
//   bun scripts/release.ts                                 every target (npm run release)
//   bun scripts/release.ts --targets linux-x64,linux-arm64 some of them
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { buildTarget, DIST, exeName, parseTarget, renderHelp, ROOT, TARGETS, type Target } from "./build.ts";
import { VERSION } from "../lib/version.ts";

export const RELEASE = join(DIST, "release");
const archiveName = (target: string, version = VERSION) => `redux-${version}-${target}.tar.gz`;

const run = (cmd: string[], o: { cwd?: string } = {}) => {
  const p = Bun.spawnSync(cmd, { cwd: o.cwd ?? ROOT, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return p.stdout;
};

/** The archives' file times: SOURCE_DATE_EPOCH, else the commit's time, so the same checkout packs the same way. */
function epoch(): number {
  const env = Number(process.env.SOURCE_DATE_EPOCH);
  if (process.env.SOURCE_DATE_EPOCH && Number.isFinite(env)) return env;
  const p = Bun.spawnSync(["git", "log", "-1", "--format=%ct"], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  return p.exitCode === 0 ? Number(p.stdout.toString().trim()) : Math.floor(Date.now() / 1000);
}

const gnuTar = Bun.spawnSync(["tar", "--version"], { stdout: "pipe", stderr: "ignore" }).stdout.toString().includes("GNU tar");

/** tar (hard links stored as links: the executable is in each archive once), then gzip off the main thread. */
async function pack(stage: string, dir: string, out: string, mtime: number) {
  const stable = gnuTar ? ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=@${mtime}`, "--mode=u+rwX,go+rX,go-w"] : [];
  const tar = run(["tar", ...stable, "-cf", "-", dir], { cwd: stage });
  writeFileSync(out, await promisify(gzip)(tar, { level: 6 }));
}

async function sha256(file: string) {
  const h = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(file).stream()) h.update(chunk);
  return h.digest("hex");
}

/** `npm sbom` of the production dependency tree, with the Bun runtime every executable carries added as a component. */
function sbom(): object {
  const doc = JSON.parse(run(["npm", "sbom", "--sbom-format", "cyclonedx", "--omit", "dev"]).toString()) as { components?: object[] };
  const bun = Bun.version;
  doc.components = [
    ...(doc.components ?? []),
    { "bom-ref": `bun@${bun}`, type: "application", name: "bun", version: bun, description: "the Bun runtime compiled into every redux executable", purl: `pkg:npm/bun@${bun}`, licenses: [{ license: { id: "MIT" } }] },
  ];
  return doc;
}

/** Runs `jobs` two at a time (the build machine has two cores; each job is a compile, then a compression). */
async function pool<T>(items: readonly T[], width: number, job: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(item);
  }));
}

export async function release(targets: readonly Target[] = TARGETS) {
  const t0 = performance.now();
  rmSync(RELEASE, { recursive: true, force: true });
  const stage = join(RELEASE, ".stage");
  mkdirSync(stage, { recursive: true });
  const help = await renderHelp();
  const mtime = epoch();
  await pool(targets, 2, async (target) => {
    const t = performance.now();
    const dir = `redux-${VERSION}-${target}`;
    const exe = await buildTarget({ target, cross: true, outDir: join(stage, dir), help });
    const size = statSync(exe).size;
    await pack(stage, dir, join(RELEASE, archiveName(target)), mtime);
    rmSync(join(stage, dir), { recursive: true, force: true });
    const gz = statSync(join(RELEASE, archiveName(target))).size;
    console.error(`${archiveName(target)}: ${exeName("redux", target)} ${(size / 1048576).toFixed(1)} MiB, archive ${(gz / 1048576).toFixed(1)} MiB (${Math.round(performance.now() - t)} ms)`);
  });
  rmSync(stage, { recursive: true, force: true });
  writeFileSync(join(RELEASE, "sbom.cdx.json"), `${JSON.stringify(sbom(), null, 2)}\n`);
  // the installer travels with the release: `sh install.sh` takes the archives from the directory it is in
  copyFileSync(join(ROOT, "scripts", "install.sh"), join(RELEASE, "install.sh"));
  const files = readdirSync(RELEASE).filter((f) => f !== "SHA256SUMS").sort();
  const sums = await Promise.all(files.map(async (f) => `${await sha256(join(RELEASE, f))}  ${f}\n`));
  writeFileSync(join(RELEASE, "SHA256SUMS"), sums.join(""));
  console.error(`dist/release: ${targets.length} archives, SHA256SUMS, sbom.cdx.json (${Math.round(performance.now() - t0)} ms)`);
}

if (import.meta.main) {
  const i = process.argv.indexOf("--targets");
  try {
    const targets = i >= 0 ? (process.argv[i + 1] ?? "").split(",").filter(Boolean).map(parseTarget) : TARGETS;
    if (targets.length === 0) throw new Error("--targets needs a comma-separated list");
    await release(targets);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
