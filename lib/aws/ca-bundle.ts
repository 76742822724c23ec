// Which CA bundle replaces the default roots, chosen as the AWS CLI v2 chooses it: AWS_CA_BUNDLE, then the `ca_bundle`
// setting of the profile in use (--profile, which bin hands on as AWS_PROFILE, then `default`), from ~/.aws/config or
// ~/.aws/credentials as the SDK's own loader reads them. That loader keeps each file's text for the process, and the
// SDK's clients read the same files through it, so looking here costs no second read. As in the CLI, a leading `~` is
// the home directory and a relative path is taken from the working directory.
import type * as NodeCrypto from "node:crypto";
import type { ParsedIniData } from "@smithy/types";
import { homeDir } from "../paths.ts";
import { configFilePath, credentialsFilePath, profileName } from "./profile.ts";

export interface CaBundleChoice {
  /** The file to read, `~` expanded. */
  path: string;
  /** The bundle named by where it came from: `the CA bundle in AWS_CA_BUNDLE`, `the CA bundle named by ca_bundle in profile 'corp' of /home/me/.aws/config`. */
  what: string;
  /** How to fix it where it came from. */
  fix: string;
}

/** `~` and `~/…` are the home directory, as Python's expanduser makes them for the CLI; anything else is left as given. */
export const expandHome = (p: string, env: NodeJS.ProcessEnv = process.env) =>
  p === "~" ? homeDir(env) : p.startsWith("~/") ? `${homeDir(env).replace(/\/+$/, "")}/${p.slice(2)}` : p;

/**
 * The precedence of the AWS CLI v2: a non-empty AWS_CA_BUNDLE wins; then the profile's `ca_bundle`, the credentials
 * file's over the config file's (the SDK's merge, which the CLI shares). Empty values count as unset: the CLI would
 * turn certificate checks off for an empty one, which redux never does. Undefined: no bundle, the default roots.
 */
export function chooseCaBundle(
  env: NodeJS.ProcessEnv,
  profile: string,
  files: { configFile: ParsedIniData; credentialsFile: ParsedIniData },
): CaBundleChoice | undefined {
  if (env.AWS_CA_BUNDLE) {
    return { path: expandHome(env.AWS_CA_BUNDLE, env), what: "the CA bundle in AWS_CA_BUNDLE", fix: "point AWS_CA_BUNDLE at a readable PEM file of your CAs, or unset it" };
  }
  const inCredentials = files.credentialsFile[profile]?.ca_bundle;
  const value = inCredentials || files.configFile[profile]?.ca_bundle;
  if (!value) return undefined;
  const file = inCredentials ? credentialsFilePath(env) : configFilePath(env);
  const section = inCredentials || profile === "default" ? `[${profile}]` : `[profile ${profile}]`;
  return {
    path: expandHome(value, env),
    what: `the CA bundle named by ca_bundle in profile '${profile}' of ${file}`,
    fix: `point ca_bundle in ${section} of ${file} at a readable PEM file of your CAs, or remove it`,
  };
}

/** The CA bundle in effect for `profile` (undefined: the one --profile/AWS_PROFILE/default names), or undefined. */
export async function caBundleFor(env: NodeJS.ProcessEnv = process.env, profile?: string): Promise<CaBundleChoice | undefined> {
  const name = profileName(profile, env);
  if (env.AWS_CA_BUNDLE) return chooseCaBundle(env, name, { configFile: {}, credentialsFile: {} });
  const { loadSharedConfigFiles } = await import("@smithy/core/config");
  // the process's own environment: the SDK's default paths, so its cached text is the one shared with its clients
  const files = await loadSharedConfigFiles(env === process.env ? {} : { filepath: credentialsFilePath(env), configFilepath: configFilePath(env) });
  return chooseCaBundle(env, name, files);
}

// OpenSSL's rule, which the AWS CLI follows: a certificate's BEGIN and END markers each stand on a line of their own
const BEGIN_LINE = /^-----BEGIN CERTIFICATE-----[ \t]*\r?$/gm;
const END_LINE = /^-----END CERTIFICATE-----[ \t]*\r?$/m;

/**
 * The certificates of a PEM bundle, one PEM block each, every one parsed now (node:crypto, loaded only here: only a
 * configured bundle pays for it) so that a damaged bundle is an error before any request, not a bare "Invalid CA" at
 * the first TLS connection. As in the AWS CLI v2 (OpenSSL), one damaged or unfinished certificate rejects the whole
 * bundle, and text that is not a block (comments, a "block" run together on one line) is passed over. Throws an
 * Error whose message completes "<the bundle> (<path>) …".
 */
export function certificatesIn(pem: string): string[] {
  const begins = [...pem.matchAll(BEGIN_LINE)].map((m) => m.index);
  if (!begins.length) {
    // markers present but not on lines of their own: line breaks lost in a copy-paste
    throw new Error(pem.includes("-----BEGIN CERTIFICATE-----")
      ? "holds no PEM certificate: its -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- markers must each start a line (were its line breaks lost?)"
      : "holds no PEM certificate");
  }
  const { X509Certificate } = require("node:crypto") as typeof NodeCrypto;
  // the line a certificate starts on, for the error that names it: counted only then (counting for each of a system
  // bundle's 150 certificates took 7-9 ms of every start)
  const lineOf = (at: number) => pem.slice(0, at).split("\n").length;
  return begins.map((at, k) => {
    // each certificate ends before the next begins
    const rest = pem.slice(at, begins[k + 1] ?? pem.length);
    const end = END_LINE.exec(rest);
    if (!end) throw new Error(`holds an unfinished certificate at line ${lineOf(at)} (no -----END CERTIFICATE----- line before the next certificate or the end)`);
    const block = rest.slice(0, end.index + end[0].length);
    try {
      new X509Certificate(block);
    } catch (err) {
      const reason = ((err as Error).message ?? "").split(":").pop() || "unreadable";
      throw new Error(`holds a damaged certificate at line ${lineOf(at)} (${reason})`);
    }
    return block;
  });
}
