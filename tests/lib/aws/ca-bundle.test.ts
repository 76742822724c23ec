import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { caBundleFor, chooseCaBundle, expandHome } from "../../../lib/aws/ca-bundle.ts";
import { caCertificates } from "../../../lib/aws/http.ts";

const HOME = "/home/me";
const env = (extra: Record<string, string> = {}) => ({ HOME, ...extra });
const files = (config: Record<string, Record<string, string>> = {}, credentials: Record<string, Record<string, string>> = {}) => ({ configFile: config, credentialsFile: credentials });
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

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
  writeFileSync(join(home, ".aws", "config"), "[default]\nregion = us-east-1\n\n[profile corp]\nca_bundle = ~/corp.pem\n\n[profile broken]\nca_bundle = ~/missing.pem\n\n[profile empty]\nca_bundle = ~/empty.pem\n");
  const e = { HOME: home };

  test("the profile from the argument, else AWS_PROFILE, else default; read through the SDK's loader", async () => {
    expect((await caBundleFor(e, "corp"))?.path).toBe(join(home, "corp.pem"));
    expect((await caBundleFor({ ...e, AWS_PROFILE: "corp" }))?.path).toBe(join(home, "corp.pem"));
    expect(await caBundleFor(e)).toBeUndefined();
    expect(await caCertificates(e)).toBeUndefined();
    expect(await caCertificates(e, "corp")).toEqual([PEM]);
  });

  test("an unreadable or empty bundle: exit 2, naming where the path came from", async () => {
    const missing = await caCertificates(e, "broken").catch((err) => err);
    expect(missing).toMatchObject({ code: 2, hint: `point ca_bundle in [profile broken] of ${home}/.aws/config at a readable PEM file of your CAs, or remove it` });
    expect(missing.message).toStartWith(`cannot read the CA bundle named by ca_bundle in profile 'broken' of ${home}/.aws/config (${home}/missing.pem): ENOENT`);
    const empty = await caCertificates(e, "empty").catch((err) => err);
    expect(empty).toMatchObject({ code: 2, message: `the CA bundle named by ca_bundle in profile 'empty' of ${home}/.aws/config (${home}/empty.pem) holds no PEM certificate` });
    // AWS_CA_BUNDLE wins: the profile's broken path is never read
    expect(await caCertificates({ ...e, AWS_CA_BUNDLE: join(home, "corp.pem") }, "broken")).toEqual([PEM]);
  });
});
