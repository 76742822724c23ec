// A real self-signed certificate in PEM (made by openssl, as tests/fakes/tls-front.ts makes its own), for tests that
// need a CA bundle the reader accepts without a TLS server behind it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function selfSignedCertificate(cn = "redux test CA"): string {
  const dir = mkdtempSync(join(tmpdir(), "redux-cert-"));
  try {
    const r = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", `/CN=${cn}`], { stdout: "ignore", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return readFileSync(join(dir, "cert.pem"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
