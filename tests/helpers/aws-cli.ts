// Debian's AWS CLI v2, run side by side with redux on the same ~/.aws files: the reference for how they are read.
// Missing, a test that calls it fails saying so; it is never skipped.
export const AWS_CLI = ["/usr/bin/aws", ...(Bun.which("aws") ? [Bun.which("aws")!] : [])].find((p) => {
  const r = Bun.spawnSync([p, "--version"], { stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 && /^aws-cli\/2\./.test(`${r.stdout}${r.stderr}`);
});

/**
 * Runs `aws ARGS` with `env` (no pager, only the system's PATH) in `cwd`; asynchronously, so fakes served by the test's
 * own process can answer it. Killed after `timeoutMs`.
 */
export async function awsCli(args: string[], env: Record<string, string>, cwd: string, timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!AWS_CLI) throw new Error("the AWS CLI v2 is not installed: these side-by-side tests need it (apt-get install awscli; .ci/run does)");
  const p = Bun.spawn([AWS_CLI, ...args], { env: { ...env, PATH: "/usr/bin:/bin", AWS_PAGER: "" }, cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(killer);
  return { code, stdout, stderr };
}
