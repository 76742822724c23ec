import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { caBundleFor, certificatesIn, chooseCaBundle, expandHome } from "../../../lib/aws/ca-bundle.ts";
import { caCertificates } from "../../../lib/aws/http.ts";
import { selfSignedCertificate } from "../../helpers/certificate.ts";

const HOME = "/home/me";
const env = (extra: Record<string, string> = {}) => ({ HOME, ...extra });
const files = (config: Record<string, Record<string, string>> = {}, credentials: Record<string, Record<string, string>> = {}) => ({ configFile: config, credentialsFile: credentials });
/** A real certificate, and a damaged one. */
const PEM = selfSignedCertificate();
const DAMAGED = "-----BEGIN CERTIFICATE-----\nMIIBnotreally\n-----END CERTIFICATE-----\n";

describe("chooseCaBundle: the AWS CLI v2's precedence", () => {
  test("AWS_CA_BUNDLE wins over the profile's ca_bundle", () => {
    const c = chooseCaBundle(env({ AWS_CA_BUNDLE: "/etc/env.pem" }), "corp", files({ corp: { ca_bundle: "/etc/profile.pem" } }));
    expect(c).toEqual({ path: "/etc/env.pem", what: "the CA bundle in AWS_CA_BUNDLE", fix: "point AWS_CA_BUNDLE at a readable PEM file of your CAs, or unset it" });
  });

  test("the selected profile's ca_bundle, named with its file and section; other profiles' are not used", () => {
    const f = files({ corp: { ca_bundle: "/etc/corp.pem" }, default: { ca_bundle: "/etc/default.pem" }, other: { region: "us-east-1" } });
    expect(chooseCaBundle(env(), "corp", f)).toEqual({
      path: "/etc/corp.pem",
      what: "the CA bundle named by ca_bundle in profile 'corp' of /home/me/.aws/config",
      fix: "point ca_bundle in [profile corp] of /home/me/.aws/config at a readable PEM file of your CAs, or remove it",
    });
    expect(chooseCaBundle(env(), "default", f)?.fix).toBe("point ca_bundle in [default] of /home/me/.aws/config at a readable PEM file of your CAs, or remove it");
    expect(chooseCaBundle(env(), "other", f)).toBeUndefined();
    expect(chooseCaBundle(env(), "nosuch", f)).toBeUndefined();
  });

  test("the credentials file's ca_bundle wins over the config file's (the SDK's merge; the CLI reads both)", () => {
    const c = chooseCaBundle(env({ AWS_SHARED_CREDENTIALS_FILE: "/srv/creds" }), "corp", files({ corp: { ca_bundle: "/etc/config.pem" } }, { corp: { ca_bundle: "/etc/creds.pem" } }));
    expect(c).toMatchObject({ path: "/etc/creds.pem", what: "the CA bundle named by ca_bundle in profile 'corp' of /srv/creds", fix: "point ca_bundle in [corp] of /srv/creds at a readable PEM file of your CAs, or remove it" });
  });

  test("empty values are unset: an empty AWS_CA_BUNDLE leaves the profile's (the CLI would turn certificate checks off)", () => {
    expect(chooseCaBundle(env({ AWS_CA_BUNDLE: "" }), "corp", files({ corp: { ca_bundle: "/etc/corp.pem" } }))?.path).toBe("/etc/corp.pem");
    expect(chooseCaBundle(env({ AWS_CA_BUNDLE: "" }), "corp", files({ corp: { ca_bundle: "" } }))).toBeUndefined();
    expect(chooseCaBundle(env(), "corp", files())).toBeUndefined();
  });

  test("~ is the home directory in both, as for the CLI; a relative path stays relative (to the working directory)", () => {
    expect(chooseCaBundle(env({ AWS_CA_BUNDLE: "~/ca.pem" }), "default", files())?.path).toBe("/home/me/ca.pem");
    expect(chooseCaBundle(env(), "corp", files({ corp: { ca_bundle: "~/certs/corp.pem" } }))?.path).toBe("/home/me/certs/corp.pem");
    expect(chooseCaBundle(env(), "corp", files({ corp: { ca_bundle: "certs/corp.pem" } }))?.path).toBe("certs/corp.pem");
    expect(expandHome("~", env())).toBe("/home/me");
    expect(expandHome("~other/ca.pem", env())).toBe("~other/ca.pem");
    expect(expandHome("~/x", env({ HOME: "/home/me/" }))).toBe("/home/me/x");
  });
});

describe("caBundleFor and caCertificates on real files", () => {
  const home = mkdtempSync(join(tmpdir(), "redux-ca-"));
  mkdirSync(join(home, ".aws"));
  writeFileSync(join(home, "corp.pem"), PEM);
  writeFileSync(join(home, "empty.pem"), "");
  writeFileSync(join(home, "damaged.pem"), PEM + DAMAGED);
  writeFileSync(join(home, ".aws", "config"), "[default]\nregion = us-east-1\n\n[profile corp]\nca_bundle = ~/corp.pem\n\n[profile broken]\nca_bundle = ~/missing.pem\n\n[profile empty]\nca_bundle = ~/empty.pem\n\n[profile damaged]\nca_bundle = ~/damaged.pem\n");
  const e = { HOME: home };

  test("the profile from the argument, else AWS_PROFILE, else default; read through the SDK's loader", async () => {
    expect((await caBundleFor(e, "corp"))?.path).toBe(join(home, "corp.pem"));
    expect((await caBundleFor({ ...e, AWS_PROFILE: "corp" }))?.path).toBe(join(home, "corp.pem"));
    expect(await caBundleFor(e)).toBeUndefined();
    expect(await caCertificates(e)).toBeUndefined();
    expect(await caCertificates(e, "corp")).toEqual([PEM.trimEnd()]);
  });

  test("an unreadable, empty or damaged bundle: exit 2, naming where the path came from", async () => {
    const missing = await caCertificates(e, "broken").catch((err) => err);
    expect(missing).toMatchObject({ code: 2, hint: `point ca_bundle in [profile broken] of ${home}/.aws/config at a readable PEM file of your CAs, or remove it` });
    expect(missing.message).toStartWith(`cannot read the CA bundle named by ca_bundle in profile 'broken' of ${home}/.aws/config (${home}/missing.pem): ENOENT`);
    const empty = await caCertificates(e, "empty").catch((err) => err);
    expect(empty).toMatchObject({ code: 2, message: `the CA bundle named by ca_bundle in profile 'empty' of ${home}/.aws/config (${home}/empty.pem) holds no PEM certificate` });
    const damaged = await caCertificates(e, "damaged").catch((err) => err);
    expect(damaged).toMatchObject({ code: 2, hint: `point ca_bundle in [profile damaged] of ${home}/.aws/config at a readable PEM file of your CAs, or remove it` });
    expect(damaged.message).toStartWith(`the CA bundle named by ca_bundle in profile 'damaged' of ${home}/.aws/config (${home}/damaged.pem) holds a damaged certificate at line ${PEM.split("\n").length} (`);
    const extra = await caCertificates({ ...e, NODE_EXTRA_CA_CERTS: join(home, "damaged.pem") }).catch((err) => err);
    expect(extra.code).toBe(2);
    expect(extra.message).toStartWith(`the CA bundle in NODE_EXTRA_CA_CERTS (${home}/damaged.pem) holds a damaged certificate`);
    // AWS_CA_BUNDLE wins: the profile's broken path is never read
    expect(await caCertificates({ ...e, AWS_CA_BUNDLE: join(home, "corp.pem") }, "broken")).toEqual([PEM.trimEnd()]);
  });
});

describe("certificatesIn: every certificate parsed before any request, as OpenSSL (the AWS CLI v2) loads a bundle", () => {
  test("each certificate block, as its own string; text between blocks is passed over; CRLF line ends are fine", () => {
    expect(certificatesIn(PEM)).toEqual([PEM.trimEnd()]);
    expect(certificatesIn(`# corp roots\n${PEM}\nsubject=CN = other\n${PEM}`)).toEqual([PEM.trimEnd(), PEM.trimEnd()]);
    expect(certificatesIn(PEM.replace(/\n/g, "\r\n"))).toHaveLength(1);
  });

  test("a damaged certificate between the markers rejects the whole bundle, wherever it is, naming its line", () => {
    expect(() => certificatesIn(DAMAGED)).toThrow(/^holds a damaged certificate at line 1 \(\w+/);
    expect(() => certificatesIn(PEM + DAMAGED)).toThrow(`holds a damaged certificate at line ${PEM.split("\n").length} (`);
    expect(() => certificatesIn(DAMAGED + PEM)).toThrow("holds a damaged certificate at line 1 (");
    // a BEGIN line with no END line before the next certificate, or before the end of the file
    const unfinished = "-----BEGIN CERTIFICATE-----\nMIIB\n";
    expect(() => certificatesIn(PEM + unfinished)).toThrow(`holds an unfinished certificate at line ${PEM.split("\n").length} (no -----END CERTIFICATE----- line before the next certificate or the end)`);
    expect(() => certificatesIn(unfinished + PEM)).toThrow("holds an unfinished certificate at line 1 (");
    // cut short: the base64 is fine, the certificate inside is not
    const lines = PEM.trimEnd().split("\n");
    expect(() => certificatesIn([...lines.slice(0, 4), ...lines.slice(-1)].join("\n"))).toThrow("holds a damaged certificate at line 1 (");
  });

  test("markers that do not start a line are not a certificate: a PEM whose line breaks were lost holds none; after good ones it is passed over (as OpenSSL does)", () => {
    const oneLine = PEM.replace(/\n/g, " ");
    expect(() => certificatesIn(oneLine)).toThrow("holds no PEM certificate: its -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- markers must each start a line (were its line breaks lost?)");
    expect(certificatesIn(`${PEM}${oneLine}\n`)).toEqual([PEM.trimEnd()]);
    expect(() => certificatesIn("")).toThrow(/^holds no PEM certificate$/);
    expect(() => certificatesIn("not a certificate\n")).toThrow(/^holds no PEM certificate$/);
  });

  test("the system's bundle (Debian's ca-certificates) is accepted whole", () => {
    const system = readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8");
    const count = system.match(/^-----BEGIN CERTIFICATE-----$/gm)!.length;
    expect(count).toBeGreaterThan(100);
    expect(certificatesIn(system)).toHaveLength(count);
  });
});
