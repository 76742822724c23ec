// A warm `redux-chat models`, answered by the multicall entry (bin/redux.ts) before the command is loaded: piped or --json,
// flags among --region, --profile, --provider, --json, -q, and a fresh cache without warnings. Anything else (a
// terminal, another flag, a missing or stale cache) says no, and the full command runs.
import { cachedAccount, credentialFingerprint, readDiscovery } from "../../lib/bedrock/model-cache.ts";
import { isValidRegion } from "../../lib/bedrock/model-string.ts";
import type * as Discovery from "../../lib/bedrock/discovery.ts";
import { byKind, renderTsv } from "./models-render.ts";
import { isTTY } from "../shared/tty.ts";

/** Prints the answer (or why it could not) and returns true, or returns false (nothing printed) when the full command must run. */
export async function modelsFromCache(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (argv[0] !== "models") return false;
  const value: Record<string, string> = {};
  let json = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") json = true;
    else if (a === "-q" || a === "--quiet") continue;
    else {
      const m = /^--(region|profile|provider)(?:=(.*))?$/.exec(a);
      if (!m) return false;
      const v = m[2] ?? argv[++i];
      if (v === undefined || v.startsWith("-") || v.trim() === "" || m[1]! in value) return false;
      value[m[1]!] = v;
    }
  }
  if (!json && isTTY(1)) return false;
  const region = value.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION);
  if (!region || !isValidRegion(region)) return false;
  const account = cachedAccount(credentialFingerprint(value.profile, env), env);
  const cached = account ? readDiscovery(account, region, env) : undefined;
  if (cached?.state !== "fresh" || cached.discovery.warnings.length || cached.discovery.unreachable) return false;
  // discovery (the control-plane calls and their error table) loads only to filter by provider
  const provider = value.provider;
  const matches = provider ? (require("../../lib/bedrock/discovery.ts") as typeof Discovery).matchesProvider : undefined;
  const rows = cached.discovery.rows.filter((r) => !matches || matches(r, provider!)).sort(byKind);
  if (!rows.length) return false;
  // Bun.write: no node:fs on this path, and unlike console.log a write that fails (a full disk behind `> file`) rejects
  const text = `${json ? JSON.stringify(rows) : renderTsv(rows).slice(0, -1)}\n`;
  try {
    await Bun.write(Bun.stdout, text);
  } catch (err) {
    const [{ streamWriteError }, { fail }] = await Promise.all([import("../../lib/fs-errors.ts"), import("../shared/cli.ts")]);
    await fail(streamWriteError(err, "standard output"), false, "redux-chat models");
  }
  return true;
}
