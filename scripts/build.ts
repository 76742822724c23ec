// Builds the three self-contained executables into dist/: minified, split (so the AWS SDK chunk is only loaded on
// paths that call AWS) and precompiled to bytecode, which keeps `--version` as fast as an empty binary.
import { rmSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ENTRIES = ["redux-chat", "redux-test-model", "redux-export"] as const;
/** Subcommands whose --help is rendered at build time (their usage is static). */
const SUBCOMMANDS: Record<string, string[]> = { "redux-chat": ["settings", "batch"], "redux-export": ["list", "prune"], "redux-test-model": [] };
const root = join(import.meta.dir, "..");
const dist = join(root, "dist");

export function buildArgs(entry: string, outfile: string, defines: string[] = []) {
  // a compiled Bun program would otherwise read .env and bunfig.toml from whatever directory it is started in: a stray
  // file could set AWS_ENDPOINT_URL or keys, preload code, and every start would scan the directory
  return ["build", "--compile", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "--minify", "--splitting", "--bytecode", "--format=esm", "--sourcemap=none", ...defines, join(root, "bin", `${entry}.ts`), "--outfile", outfile];
}

/** Renders every --help of an entry from source, so the binary can print it without loading or rendering anything. */
async function renderHelp(entry: string): Promise<Record<string, string>> {
  const help: Record<string, string> = {};
  for (const path of [[], ...SUBCOMMANDS[entry]!.map((s) => [s])]) {
    const p = Bun.spawn([process.execPath, join(root, "bin", `${entry}.ts`), ...path, "--help"], { cwd: root, stdout: "pipe", stderr: "inherit", env: { ...process.env, NO_COLOR: "1" } });
    const [text, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    if (code !== 0) throw new Error(`${entry} ${path.join(" ")} --help exited ${code}`);
    help[[entry, ...path].join(" ")] = text.replace(/\n$/, "");
  }
  return help;
}

if (import.meta.main) {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const t0 = performance.now();
  const results = await Promise.all(
    ENTRIES.map(async (entry) => {
      const outfile = join(dist, entry);
      const help = await renderHelp(entry);
      const p = Bun.spawn([process.execPath, ...buildArgs(entry, outfile, ["--define", `REDUX_HELP=${JSON.stringify(help)}`])], { cwd: root, stdout: "pipe", stderr: "pipe" });
      const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
      return { entry, outfile, code, out, err };
    }),
  );
  let failed = false;
  for (const r of results) {
    if (r.code !== 0) {
      failed = true;
      console.error(`build failed: ${r.entry}\n${r.out}${r.err}`);
    } else {
      console.error(`built dist/${r.entry} (${(statSync(r.outfile).size / 1048576).toFixed(1)} MiB)`);
    }
  }
  console.error(`build took ${Math.round(performance.now() - t0)} ms`);
  process.exit(failed ? 1 : 0);
}
