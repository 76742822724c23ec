// `npm run release`, end to end: built once here (one compile per target is needed anyway), then every archive is
// checked against SHA256SUMS and `file`, the foreign Linux builds run a real one-shot chat against the loopback fake
// (linux-arm64 under Debian's qemu-user-static, linux-x64-musl under Debian's musl loader, linux-x64-baseline under
// qemu emulating a CPU without AVX/AVX2), and install.sh installs, refuses a tampered archive and picks musl.
// Not part of `npm test` (the release build alone takes about a minute): `npm run test:release`, which .ci/run runs.
// Needs the Debian packages .ci/run installs: file, qemu-user-static, libc6-arm64-cross, musl, gcc, curl.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeAws } from "../fakes/fake-aws.ts";
import { ROOT, fakeEnv, run, scrubbedEnv } from "./harness.ts";
import { TARGETS, type Target } from "../../scripts/build.ts";
import { VERSION } from "../../lib/version.ts";

const RELEASE = join(ROOT, "dist", "release");
const MODEL = "custom:us-east-1:us.anthropic.claude-3-5-sonnet-20241022-v2:0";
const tmp = mkdtempSync(join(tmpdir(), "redux-release-"));
const unpacked = (t: Target) => join(tmp, "x", `redux-${VERSION}-${t}`);
const exe = (t: Target, name = "redux") => join(unpacked(t), t.startsWith("windows") ? `${name}.exe` : name);
const sh = (cmd: string[], o: { cwd?: string; env?: Record<string, string> } = {}) => {
  const p = Bun.spawnSync(cmd, { cwd: o.cwd ?? tmp, env: o.env ?? scrubbedEnv(), stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
};
const need = (tool: string, pkg: string) => {
  if (!Bun.which(tool)) throw new Error(`${tool} is missing: apt-get install ${pkg} (.ci/run does)`);
};

let fake: FakeAws;
let buildMs = 0;
/** A directory standing in for what Alpine's `apk add libstdc++` provides (see tests/e2e/release/musl-shim.c). */
const muslLibs = join(tmp, "musl-libs");
const hasAvx2 = () => /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"));

beforeAll(async () => {
  for (const [tool, pkg] of [["file", "file"], ["qemu-aarch64-static", "qemu-user-static"], ["gcc", "gcc"], ["sha256sum", "coreutils"]]) need(tool!, pkg!);
  if (!existsSync("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1")) throw new Error("the aarch64 loader is missing: apt-get install libc6-arm64-cross");
  if (!existsSync("/lib/ld-musl-x86_64.so.1")) throw new Error("the musl loader is missing: apt-get install musl");
  const t0 = performance.now();
  const p = Bun.spawn([process.execPath, join(ROOT, "scripts", "release.ts")], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });
  if ((await p.exited) !== 0) throw new Error("npm run release failed");
  buildMs = performance.now() - t0;
  mkdirSync(join(tmp, "x"));
  for (const t of TARGETS) {
    const r = sh(["tar", "-xzf", join(RELEASE, `redux-${VERSION}-${t}.tar.gz`), "-C", join(tmp, "x")]);
    if (r.code !== 0) throw new Error(`cannot unpack ${t}: ${r.err}`);
  }
  mkdirSync(muslLibs);
  const cc = sh(["gcc", "-shared", "-fPIC", "-O2", "-nostdlib", "-Wl,-soname,ld-linux-x86-64.so.2", "-o", join(muslLibs, "ld-linux-x86-64.so.2"), join(import.meta.dir, "release", "musl-shim.c")]);
  if (cc.code !== 0) throw new Error(`cannot build the musl shim: ${cc.err}`);
  symlinkSync("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", join(muslLibs, "libstdc++.so.6"));
  symlinkSync("/lib/x86_64-linux-gnu/libgcc_s.so.1", join(muslLibs, "libgcc_s.so.1"));
  const { startFakeAws } = await import("../fakes/fake-aws.ts");
  fake = await startFakeAws();
}, { timeout: 600_000 });

afterAll(async () => {
  await fake?.close();
  rmSync(tmp, { recursive: true, force: true });
  console.error(`release test: the release build took ${Math.round(buildMs)} ms`);
});

/** A one-shot chat against the fake from `cmd` (a binary, or an emulator and a binary), checked as a user sees it. */
async function oneShot(cmd: string[], extraEnv: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmp, "home-"));
  const prompt = `hello from ${cmd.at(-1)!.split("/").slice(-2).join("/")}`;
  fake.reset();
  const r = await run(cmd[0]!, [...cmd.slice(1), "-m", MODEL, prompt], { env: { ...fakeEnv(home, fake.url), ...extraEnv }, timeoutMs: 60_000 });
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `Echo: ${prompt}\n`, stderr: "" });
  expect(fake.requests.find((q) => q.operation === "ConverseStream")).toMatchObject({ auth: "sigv4", verified: true, region: "us-east-1" });
  expect(readdirSync(join(home, ".amazon-q", "conversations")).length).toBe(1);
}

/** The load command types of a 64-bit little-endian Mach-O file. */
function machoLoadCommands(file: string): number[] {
  const b = readFileSync(file);
  if (b.readUInt32LE(0) !== 0xfeedfacf) throw new Error(`${file} is not a 64-bit Mach-O file`);
  const out: number[] = [];
  for (let i = 0, off = 32; i < b.readUInt32LE(16); i++, off += b.readUInt32LE(off + 4)) out.push(b.readUInt32LE(off));
  return out;
}

const versionRe = (name: string, t: Target) => new RegExp(`^${name} ${VERSION.replaceAll(".", "\\.")} \\([0-9a-f]{7}(-dirty)? ${t} \\d{4}-\\d{2}-\\d{2}\\)\\n$`);

describe("npm run release", () => {
  test("one archive per target, SHA256SUMS that verify, a CycloneDX SBOM of the bundled dependencies, install.sh", () => {
    const files = readdirSync(RELEASE).sort();
    expect(files).toEqual([...TARGETS.map((t) => `redux-${VERSION}-${t}.tar.gz`), "SHA256SUMS", "install.sh", "sbom.cdx.json"].sort());
    const check = sh(["sha256sum", "--check", "--strict", "SHA256SUMS"], { cwd: RELEASE });
    expect(check.code).toBe(0);
    expect(check.out.trim().split("\n").sort()).toEqual(files.filter((f) => f !== "SHA256SUMS").map((f) => `${f}: OK`).sort());
    const sbom = JSON.parse(readFileSync(join(RELEASE, "sbom.cdx.json"), "utf8"));
    expect(sbom.bomFormat).toBe("CycloneDX");
    const names = new Set((sbom.components as { name: string; group?: string }[]).map((c) => (c.group ? `${c.group}/${c.name}` : c.name)));
    for (const dep of ["@aws-sdk/client-bedrock-runtime", "@aws-sdk/credential-providers", "citty", "consola", "ajv", "bun"]) expect(names).toContain(dep);
    for (const dev of ["typescript", "s3rver"]) expect(names).not.toContain(dev);
  }, 60_000);

  test("each archive holds redux and the three command names as hard links to it, built for its platform", () => {
    const expected: Record<Target, RegExp> = {
      "linux-x64": /ELF 64-bit LSB .*x86-64.*interpreter \/lib64\/ld-linux-x86-64\.so\.2/,
      "linux-x64-baseline": /ELF 64-bit LSB .*x86-64.*interpreter \/lib64\/ld-linux-x86-64\.so\.2/,
      "linux-arm64": /ELF 64-bit LSB .*ARM aarch64.*interpreter \/lib\/ld-linux-aarch64\.so\.1/,
      "linux-x64-musl": /ELF 64-bit LSB .*x86-64.*interpreter \/lib\/ld-musl-x86_64\.so\.1/,
      "linux-arm64-musl": /ELF 64-bit LSB .*ARM aarch64.*interpreter \/lib\/ld-musl-aarch64\.so\.1/,
      "darwin-x64": /Mach-O 64-bit x86_64 executable/,
      "darwin-arm64": /Mach-O 64-bit arm64 executable/,
      "windows-x64": /PE32\+ executable \(console\) x86-64.*Windows/,
    };
    for (const t of TARGETS) {
      const ino = statSync(exe(t)).ino;
      const names = ["redux-chat", "redux-test-model", "redux-export"];
      expect({ t, links: names.map((n) => statSync(exe(t, n)).ino === ino) }).toEqual({ t, links: [true, true, true] });
      expect(readdirSync(unpacked(t)).length).toBe(4);
      const f = sh(["file", "-b", exe(t)]).out;
      expect({ t, file: expected[t].test(f) ? "ok" : f }).toEqual({ t, file: "ok" });
      // macOS on Apple silicon runs no unsigned code: Bun's ad-hoc signature must be there (LC_CODE_SIGNATURE)
      if (t.startsWith("darwin")) expect({ t, signed: machoLoadCommands(exe(t)).includes(0x1d) }).toEqual({ t, signed: true });
    }
  });

  test("linux-x64: --version names the target, the commit and the date", async () => {
    for (const name of ["redux", "redux-chat", "redux-export"]) {
      const r = await run(exe("linux-x64", name), ["--version"], { env: scrubbedEnv() });
      expect(r.stdout).toMatch(versionRe(name, "linux-x64"));
    }
  });

  test("linux-arm64 under qemu-user-static: --version, --help and a one-shot chat", async () => {
    const qemu = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"];
    const v = await run(qemu[0]!, [...qemu.slice(1), exe("linux-arm64", "redux-chat"), "--version"], { env: scrubbedEnv(), timeoutMs: 60_000 });
    expect({ code: v.code, err: v.stderr }).toEqual({ code: 0, err: "" });
    expect(v.stdout).toMatch(versionRe("redux-chat", "linux-arm64"));
    const h = await run(qemu[0]!, [...qemu.slice(1), exe("linux-arm64", "redux-export"), "--help"], { env: scrubbedEnv(), timeoutMs: 60_000 });
    expect(h.stdout).toContain("USAGE redux-export");
    await oneShot([...qemu, exe("linux-arm64", "redux-chat")]);
  }, 180_000);

  test("linux-x64-musl under Debian's musl loader: --version and a one-shot chat", async () => {
    const env = { ...scrubbedEnv(), LD_LIBRARY_PATH: muslLibs };
    const bare = await run(exe("linux-x64-musl", "redux-chat"), ["--version"], { env: scrubbedEnv() });
    // without the C++ runtime it cannot start: what an Alpine image without libstdc++ shows
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain("libstdc++.so.6");
    const v = await run(exe("linux-x64-musl", "redux-chat"), ["--version"], { env });
    expect({ code: v.code, err: v.stderr }).toEqual({ code: 0, err: "" });
    expect(v.stdout).toMatch(versionRe("redux-chat", "linux-x64-musl"));
    await oneShot([exe("linux-x64-musl", "redux-chat")], { LD_LIBRARY_PATH: muslLibs });
  }, 120_000);

  test("linux-x64-baseline: a one-shot chat, natively and on an emulated CPU without AVX or AVX2", async () => {
    await oneShot([exe("linux-x64-baseline", "redux-chat")]);
    await oneShot(["qemu-x86_64-static", "-cpu", "Nehalem", exe("linux-x64-baseline", "redux-chat")]);
  }, 180_000);
});

describe("npm run build -- --target", () => {
  test("builds one other target into dist/<target>/, and refuses one it does not know", async () => {
    const build = (t: string) => run(process.execPath, [join(ROOT, "scripts", "build.ts"), "--target", t], { env: scrubbedEnv(), cwd: ROOT, timeoutMs: 120_000 });
    const r = await build("bun-linux-arm64");
    expect(r.code).toBe(0);
    const dir = join(ROOT, "dist", "linux-arm64");
    expect(readdirSync(dir).sort()).toEqual(["redux", "redux-chat", "redux-export", "redux-test-model"]);
    expect(sh(["file", "-b", join(dir, "redux-chat")]).out).toContain("ARM aarch64");
    const v = await run("qemu-aarch64-static", ["-L", "/usr/aarch64-linux-gnu", join(dir, "redux-export"), "--version"], { env: scrubbedEnv(), timeoutMs: 60_000 });
    expect(v.stdout).toMatch(versionRe("redux-export", "linux-arm64"));
    const bad = await build("bun-plan9-mips");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unknown target bun-plan9-mips: one of linux-x64, linux-x64-baseline, linux-arm64");
  }, 180_000);
});

describe("install.sh", () => {
  const install = (args: string[], env: Record<string, string> = {}) =>
    run("sh", [join(RELEASE, "install.sh"), ...args], { env: { ...scrubbedEnv(), ...env }, timeoutMs: 120_000 });

  test("installs this machine's archive from --from into PREFIX/bin, the commands hard-linked, and says what it did", async () => {
    const prefix = join(tmp, "prefix-a");
    const r = await install(["--prefix", prefix, "--from", RELEASE]);
    const target = hasAvx2() ? "linux-x64" : "linux-x64-baseline";
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`verified redux-${VERSION}-${target}.tar.gz`);
    expect(r.stderr).toContain(`installed redux ${VERSION} (${target}) into ${prefix}/bin`);
    const bin = join(prefix, "bin");
    expect(readdirSync(bin).sort()).toEqual(["redux", "redux-chat", "redux-export", "redux-test-model"]);
    for (const n of ["redux-chat", "redux-test-model", "redux-export"]) expect(statSync(join(bin, n)).ino).toBe(statSync(join(bin, "redux")).ino);
    expect(statSync(join(bin, "redux")).mode & 0o777).toBe(0o755);
    const v = await run(join(bin, "redux-test-model"), ["--version"], { env: scrubbedEnv() });
    expect(v.stdout).toMatch(versionRe("redux-test-model", target));
    // without --from it takes the release it sits in; a second install replaces the first
    const again = await install(["--prefix", prefix, "--version", VERSION]);
    expect(again.code).toBe(0);
    expect(readdirSync(bin).sort()).toEqual(["redux", "redux-chat", "redux-export", "redux-test-model"]);
  }, 120_000);

  test("refuses a tampered archive and leaves the prefix as it was", async () => {
    const copy = join(tmp, "tampered");
    cpSync(RELEASE, copy, { recursive: true });
    const target = hasAvx2() ? "linux-x64" : "linux-x64-baseline";
    const archive = join(copy, `redux-${VERSION}-${target}.tar.gz`);
    const bytes = readFileSync(archive);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(archive, bytes);
    const prefix = join(tmp, "prefix-b");
    mkdirSync(join(prefix, "bin"), { recursive: true });
    writeFileSync(join(prefix, "bin", "redux-chat"), "an older redux-chat\n");
    const r = await install(["--prefix", prefix, "--from", copy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`checksum mismatch for redux-${VERSION}-${target}.tar.gz`);
    expect(r.stderr).toContain("nothing was installed");
    expect(readdirSync(join(prefix, "bin"))).toEqual(["redux-chat"]);
    expect(readFileSync(join(prefix, "bin", "redux-chat"), "utf8")).toBe("an older redux-chat\n");
    // an archive SHA256SUMS does not list is refused the same way
    writeFileSync(join(copy, "SHA256SUMS"), readFileSync(join(copy, "SHA256SUMS"), "utf8").split("\n").filter((l) => !l.includes(`-${target}.tar.gz`)).join("\n"));
    const unlisted = await install(["--prefix", prefix, "--from", copy, "--version", VERSION]);
    expect(unlisted.code).toBe(1);
    expect(unlisted.stderr).toContain(`no line for redux-${VERSION}-${target}.tar.gz`);
    expect(readdirSync(join(prefix, "bin"))).toEqual(["redux-chat"]);
  }, 120_000);

  test("--libc musl picks the musl archive (and says what Alpine needs when it cannot start)", async () => {
    const prefix = join(tmp, "prefix-c");
    const r = await install(["--prefix", prefix, "--from", RELEASE, "--libc", "musl"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`installed redux ${VERSION} (linux-x64-musl)`);
    expect(r.stderr).toContain("apk add libstdc++");
    expect(sh(["file", "-b", join(prefix, "bin", "redux-chat")]).out).toContain("/lib/ld-musl-x86_64.so.1");
    const v = await run(join(prefix, "bin", "redux-chat"), ["--version"], { env: { ...scrubbedEnv(), LD_LIBRARY_PATH: muslLibs } });
    expect(v.stdout).toMatch(versionRe("redux-chat", "linux-x64-musl"));
    const bad = await install(["--prefix", prefix, "--libc", "uclibc"]);
    expect({ code: bad.code, err: bad.stderr.trim() }).toEqual({ code: 2, err: "install.sh: error: --libc must be musl or glibc, not uclibc" });
  }, 120_000);

  test("downloads from a URL (a loopback server standing in for the release host)", async () => {
    need("curl", "curl");
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => {
      const name = new URL(req.url).pathname.split("/").pop()!;
      return existsSync(join(RELEASE, name)) && !name.startsWith(".") ? new Response(Bun.file(join(RELEASE, name))) : new Response("not found", { status: 404 });
    } });
    try {
      const prefix = join(tmp, "prefix-d");
      const r = await install(["--prefix", prefix, "--from", `http://127.0.0.1:${server.port}/releases/`, "--target", "linux-arm64"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`installed redux ${VERSION} (linux-arm64)`);
      expect(sh(["file", "-b", join(prefix, "bin", "redux")]).out).toContain("ARM aarch64");
    } finally {
      server.stop(true);
    }
  }, 120_000);
});
