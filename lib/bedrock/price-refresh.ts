// `redux-chat prices --refresh`: reads the AWS Price List bulk offer files (AmazonBedrock, AmazonBedrockFoundationModels;
// per region, no credentials needed), turns the rows named in the alias table into prices per exact model or profile
// id, region and tier, and rewrites ~/.amazon-q/prices.json atomically. Anything that goes wrong (a download cut off,
// a file that is not an offer) fails the whole refresh before the file is touched; a model the offers no longer list
// keeps the price it had.
import { ReduxError, ExitCode, untrustedCertificate } from "../errors.ts";
import { dirname } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../fs-atomic.ts";
import { fsError } from "../fs-errors.ts";
import { caCertificates, proxyFor } from "../aws/http.ts";
import { byPriceKey, clearPriceCache, pricesPath, readPriceFile, type PriceEntry, type PriceFile, type Tier } from "./prices.ts";
import { builtinPrices } from "./builtin-prices.ts";
import { OFFERS, PRICE_ALIASES, geographiesOf, type Offer, type PriceAlias } from "./price-aliases.ts";

const DEFAULT_PRICE_SOURCE = "https://pricing.us-east-1.amazonaws.com";

type Kind = "input" | "output" | "cache_read" | "cache_write";
type Scope = "in-region" | "geo" | "global";

interface RowClass {
  kind: Kind;
  tier: Tier;
  scope: Scope;
}

/**
 * What a price row is, from its usage type (`USE1-NovaPro-input-tokens-batch`, `USE1-MP:USE1_CacheReadInputTokenCount-Units`,
 * `USE1-MP:USE1_output_tokens_global_standard-Units`) and inferenceType. Rows redux never bills (provisioned or
 * reserved throughput, custom models, latency-optimized, 1-hour cache writes, training, storage) are undefined.
 */
export function classifyRow(usagetype: string, inferenceType = ""): RowClass | undefined {
  const u = usagetype.toLowerCase().replace(/^[a-z0-9]+-(mp:[a-z0-9]+_)?/, "");
  if (/reserved|provisioned|custom|latency|optimized|(^|[-_])lo([-_]|$)|1h|tpm|storage|training|image|video|search|guardrail/.test(u)) return undefined;
  const it = inferenceType.toLowerCase();
  const kind: Kind | undefined = /cache[-_]?read/.test(u)
    ? "cache_read"
    : /cache[-_]?write/.test(u)
      ? "cache_write"
      : /input/.test(u)
        ? "input"
        : /output/.test(u)
          ? "output"
          : /input/.test(it)
            ? "input"
            : /output/.test(it)
              ? "output"
              : undefined;
  if (!kind) return undefined;
  const tier: Tier = /batch/.test(u) ? "batch" : /flex/.test(u) ? "flex" : /priority/.test(u) ? "priority" : "standard";
  const scope: Scope = /global/.test(u) ? "global" : /cross[-_]?region|(^|[-_])geo([-_]|$)/.test(u) ? "geo" : "in-region";
  return { kind, tier, scope };
}

/**
 * The factor that turns a row's price into USD per million tokens, or undefined when its unit says nothing we can
 * read (such a row is skipped, never guessed). The Marketplace offer's bare "Units" are per million tokens.
 */
export function perMillionFactor(unit: string, description: string, usagetype: string, offer: Offer): number | undefined {
  const text = `${unit} ${description}`.toLowerCase();
  if (/\b1k\b|1,000 (input |output )?tokens|thousand/.test(text)) return 1000;
  if (/\b1m\b|million|1,000,000/.test(text) || /million/i.test(usagetype)) return 1;
  if (offer === "AmazonBedrockFoundationModels" && /^units?$/i.test(unit.trim())) return 1;
  return undefined;
}

interface OfferFile {
  offerCode?: string;
  version?: string;
  publicationDate?: string;
  products: Record<string, { sku?: string; attributes?: Record<string, string> }>;
  terms: { OnDemand?: Record<string, Record<string, { priceDimensions?: Record<string, { unit?: string; description?: string; beginRange?: string; pricePerUnit?: { USD?: string } }> }>> };
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

interface OfferPrices {
  entries: PriceEntry[];
  /** Alias names found in this offer file. */
  found: Set<string>;
  /** Rows of aliased models that could not be read (unknown unit, conflicting prices). */
  skipped: number;
}

/** The prices one region's offer file holds for the aliased models. */
export function pricesFromOffer(offer: Offer, region: string, doc: OfferFile, aliases: PriceAlias[] = PRICE_ALIASES): OfferPrices {
  const byName = new Map(aliases.filter((a) => a.offer === offer).map((a) => [a.name, a]));
  const date = (doc.publicationDate ?? "").slice(0, 10) || new Date().toISOString().slice(0, 10);
  const source = `AWS Price List ${offer}${doc.version ? ` ${doc.version}` : ""} ${region}`;
  // alias → scope → tier → kind → USD per 1M (NaN marks conflicting rows)
  const rates = new Map<PriceAlias, Map<Scope, Map<Tier, Map<Kind, number>>>>();
  const found = new Set<string>();
  let skipped = 0;
  for (const [sku, product] of Object.entries(doc.products)) {
    const a = product?.attributes ?? {};
    if (a.regionCode && a.regionCode !== region) continue;
    const alias = byName.get(a.model ?? "") ?? byName.get(a.servicename ?? "");
    if (!alias) continue;
    found.add(alias.name);
    const cls = classifyRow(a.usagetype ?? "", a.inferenceType);
    if (!cls) continue;
    const dims = Object.values(doc.terms.OnDemand?.[sku] ?? {}).flatMap((t) => Object.values(t.priceDimensions ?? {}));
    const dim = dims.find((d) => !d.beginRange || d.beginRange === "0") ?? dims[0];
    const usd = Number(dim?.pricePerUnit?.USD);
    const factor = dim && perMillionFactor(dim.unit ?? "", dim.description ?? "", a.usagetype ?? "", offer);
    if (!dim || dim.pricePerUnit?.USD === undefined || !Number.isFinite(usd) || usd < 0 || factor === undefined) {
      skipped++;
      continue;
    }
    const perMillion = Math.round(usd * factor * 1e9) / 1e9;
    const kinds = getOr(getOr(getOr(rates, alias, () => new Map()), cls.scope, () => new Map()), cls.tier, () => new Map());
    const prev = kinds.get(cls.kind);
    if (prev !== undefined && prev !== perMillion) {
      // two rows disagree on one rate: neither is trusted
      kinds.set(cls.kind, Number.NaN);
      skipped++;
    } else kinds.set(cls.kind, perMillion);
  }
  const entries: PriceEntry[] = [];
  const geos = geographiesOf(region);
  for (const [alias, scopes] of rates) {
    const ids = (scope: Scope) =>
      scope === "global"
        ? alias.profiles.includes("global") ? [`global.${alias.id}`] : []
        : scope === "geo"
          ? alias.profiles.filter((p) => geos.includes(p)).map((p) => `${p}.${alias.id}`)
          : [alias.id];
    const emitted = new Set<string>();
    const emit = (id: string, tier: Tier, k: Map<Kind, number>) => {
      const r = (kind: Kind) => {
        const v = k.get(kind);
        return v === undefined || Number.isNaN(v) ? null : v;
      };
      if (r("input") === null && r("output") === null) return;
      emitted.add(`${tier} ${id}`);
      entries.push({ model_id: id, region, tier, input: r("input"), output: r("output"), cache_read: r("cache_read"), cache_write: r("cache_write"), source, date });
    };
    for (const scope of ["global", "geo", "in-region"] as const) {
      for (const [tier, kinds] of scopes.get(scope) ?? []) for (const id of ids(scope)) emit(id, tier, kinds);
    }
    // a geographic profile without rows of its own is billed at the in-region rates of the region it starts in
    for (const [tier, kinds] of scopes.get("in-region") ?? []) {
      for (const id of ids("geo")) if (!emitted.has(`${tier} ${id}`)) emit(id, tier, kinds);
    }
  }
  return { entries, found, skipped };
}

function getOr<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

interface RefreshOptions {
  /** Base URL of the offer files (default AWS's); a mirror, or the loopback fake in tests. */
  source?: string;
  /** Regions to read; default: every region the current table prices. */
  regions?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** `redux-chat prices --refresh --json` (schemas/prices-refresh.schema.json). */
export interface RefreshSummary {
  path: string;
  source_url: string;
  regions: string[];
  files: { offer: Offer; region: string; version: string | null; publication_date: string | null }[];
  entries: number;
  added: number;
  changed: number;
  unchanged: number;
  /** Entries of the previous table the offers did not list: kept as they were. */
  kept: number;
  /** Alias names no fetched offer listed (their previous or built-in prices stay). */
  missing: string[];
  skipped_rows: number;
}

const fail = (message: string, hint = "the previous prices were kept; try again later, or point --source at a mirror") => new ReduxError(ExitCode.unavailable, message, hint);

async function getJson(url: string, o: Required<Pick<RefreshOptions, "timeoutMs" | "fetch">> & { env: NodeJS.ProcessEnv }): Promise<unknown> {
  let res: Response;
  let text: string;
  // the same proxy choice (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and trusted CAs (AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS) as
  // every AWS call redux makes: behind a TLS-inspecting proxy both are needed
  const proxy = proxyFor(url, o.env);
  const ca = url.startsWith("https:") ? await caCertificates(o.env) : undefined;
  try {
    res = await o.fetch(url, { signal: AbortSignal.timeout(o.timeoutMs), headers: { accept: "application/json" }, ...(proxy ? { proxy } : {}), ...(ca ? { tls: { ca } } : {}) } as RequestInit);
    text = await res.text();
  } catch (err) {
    // a certificate not trusted reads as it does for the AWS calls, with their hint to the CA settings
    const untrusted = untrustedCertificate(err, o.env);
    if (untrusted) throw new ReduxError(untrusted.code, `cannot download ${url}: ${untrusted.message}`, `${untrusted.hint}; the previous prices were kept`, { cause: err });
    throw fail(`cannot download ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw fail(`cannot download ${url}: HTTP ${res.status}`);
  const expected = Number(res.headers.get("content-length"));
  if (expected && !res.headers.get("content-encoding") && Buffer.byteLength(text) !== expected) {
    throw fail(`the download of ${url} was cut off (${Buffer.byteLength(text)} of ${expected} bytes)`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw fail(`${url} is not complete JSON (the download was cut off, or it is not an offer file)`);
  }
}

export function validateSource(source: string): string {
  let u: URL;
  try {
    u = new URL(source);
  } catch {
    throw new ReduxError(ExitCode.usage, `--source must be an http(s) URL, got ${JSON.stringify(source)}`, `the default is ${DEFAULT_PRICE_SOURCE}`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new ReduxError(ExitCode.usage, `--source must be an http(s) URL, got ${JSON.stringify(source)}`);
  if (u.username || u.password) throw new ReduxError(ExitCode.usage, "--source must not carry credentials");
  return u.href.replace(/\/+$/, "");
}

/** Each offer's region index, then its file for each region it lists: the prices of the aliased models in them. */
async function fetchOffers(base: string, regions: string[], io: Parameters<typeof getJson>[1]) {
  const fetched: PriceEntry[] = [];
  const found = new Set<string>();
  const files: RefreshSummary["files"] = [];
  let skipped = 0;
  for (const offer of OFFERS) {
    const indexUrl = `${base}/offers/v1.0/aws/${offer}/current/region_index.json`;
    const index = await getJson(indexUrl, io);
    if (!isObj(index) || !isObj(index.regions)) throw fail(`${indexUrl} is not a region index (no "regions")`);
    for (const region of regions) {
      const entry = index.regions[region];
      if (!isObj(entry)) continue; // the offer has no prices in that region
      const rel = typeof entry.currentVersionUrl === "string" ? entry.currentVersionUrl : `/offers/v1.0/aws/${offer}/current/${region}/index.json`;
      if (!rel.startsWith("/offers/")) throw fail(`${indexUrl} points outside the offers: ${JSON.stringify(rel)}`);
      const url = `${base}${rel}`;
      const doc = await getJson(url, io);
      if (!isObj(doc) || !isObj(doc.products) || !isObj(doc.terms) || (doc.offerCode !== undefined && doc.offerCode !== offer)) {
        throw fail(`${url} is not a ${offer} offer file (products and terms expected)`);
      }
      const p = pricesFromOffer(offer, region, doc as unknown as OfferFile);
      fetched.push(...p.entries);
      for (const n of p.found) found.add(n);
      skipped += p.skipped;
      files.push({ offer, region, version: typeof doc.version === "string" ? doc.version : null, publication_date: typeof doc.publicationDate === "string" ? doc.publicationDate : null });
    }
  }
  return { fetched, found, files, skipped };
}

/** Downloads the offers, merges their prices over the previous table, and writes prices.json (0600, atomically). */
export async function refreshPrices(o: RefreshOptions = {}): Promise<RefreshSummary> {
  const env = o.env ?? process.env;
  const base = validateSource(o.source ?? DEFAULT_PRICE_SOURCE);
  const io = { timeoutMs: o.timeoutMs ?? 120_000, fetch: o.fetch ?? fetch, env };
  const path = pricesPath(env);
  const previous = readPriceFile(path).file?.entries ?? [];
  const regions = [...new Set(o.regions?.length ? o.regions : [...builtinPrices(), ...previous].map((e) => e.region))].sort();

  const { fetched, found, files, skipped } = await fetchOffers(base, regions, io);
  if (!files.length) throw fail(`no offer file lists any of the regions ${regions.join(", ")}`, "check --region; the previous prices were kept");

  const k = (e: PriceEntry) => `${e.tier} ${e.region} ${e.model_id}`;
  const before = new Map(previous.map((e) => [k(e), e]));
  const builtin = new Map(builtinPrices().map((e) => [k(e), e]));
  const next = new Map(before);
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  const same = (a: PriceEntry, b: PriceEntry) => a.input === b.input && a.output === b.output && a.cache_read === b.cache_read && a.cache_write === b.cache_write;
  for (const e of fetched) {
    const old = before.get(k(e)) ?? builtin.get(k(e));
    if (!old) added++;
    else if (same(old, e)) unchanged++;
    else changed++;
    next.set(k(e), e);
  }
  const fetchedKeys = new Set(fetched.map(k));
  const file: PriceFile = {
    version: 1,
    updated_at: new Date().toISOString(),
    source_url: base,
    entries: [...next.values()].sort(byPriceKey),
  };
  try {
    // ~/.amazon-q is created 0700 when missing (an existing one, perhaps the Amazon Q CLI's, is left as it is)
    ensurePrivateDir(dirname(path));
    writeFileAtomic(path, `${JSON.stringify(file, null, 1)}\n`);
  } catch (err) {
    // a full disk is exit 9, a permission problem 2, with their hints; the previous table is left as it was
    throw fsError(err, path, "write");
  }
  clearPriceCache();
  return {
    path,
    source_url: base,
    regions,
    files,
    entries: file.entries.length,
    added,
    changed,
    unchanged,
    kept: previous.filter((e) => !fetchedKeys.has(k(e))).length,
    missing: PRICE_ALIASES.filter((a) => !found.has(a.name)).map((a) => a.name),
    skipped_rows: skipped,
  };
}
