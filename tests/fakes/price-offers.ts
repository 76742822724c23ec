// The AWS Price List bulk offer files, served by the loopback fake the way pricing.us-east-1.amazonaws.com serves them:
// `/offers/v1.0/aws/{Offer}/current/region_index.json` (with each region's currentVersionUrl) and
// `/offers/v1.0/aws/{Offer}/{version}/{region}/index.json`. The files start as the fixtures in
// fixtures/price-offers/ (the real bulk-file shape); tests change a price, drop a product, or cut a download short.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type http from "node:http";

const FIXTURES = join(import.meta.dir, "fixtures", "price-offers");

type OfferDoc = {
  offerCode: string;
  version: string;
  publicationDate: string;
  products: Record<string, { sku: string; attributes: Record<string, string> }>;
  terms: { OnDemand: Record<string, Record<string, { priceDimensions: Record<string, { pricePerUnit: { USD: string } }> }>> };
};

export interface PriceOffers {
  /** Requests served, as paths. */
  requests: string[];
  /** Sets the USD price of every row of `usagetype` (exact) in that offer file. */
  setPrice(offer: string, region: string, usagetype: string, usd: string): void;
  /** Removes every product whose `model` or `servicename` is `name`. */
  removeModel(offer: string, region: string, name: string): void;
  /** Serves that file cut off half way (the connection closes early), as a broken download does. */
  truncate(offer: string, region: string): void;
  /** Makes a new version of the offer: publication date and version change (as after a price change). */
  publish(offer: string, version: string, publicationDate: string): void;
  reset(): void;
  /** Answers a request under /offers/; false when the path is not an offer file. */
  handle(req: http.IncomingMessage | { method?: string }, res: http.ServerResponse, path: string): boolean;
}

function loadFixtures(): Map<string, OfferDoc> {
  const docs = new Map<string, OfferDoc>();
  for (const name of readdirSync(FIXTURES)) {
    const m = /^(\w+)\.([a-z0-9-]+)\.json$/.exec(name);
    if (m) docs.set(`${m[1]}/${m[2]}`, JSON.parse(readFileSync(join(FIXTURES, name), "utf8")));
  }
  return docs;
}

export function createPriceOffers(): PriceOffers {
  let docs = loadFixtures();
  let truncated = new Set<string>();
  const doc = (offer: string, region: string) => {
    const d = docs.get(`${offer}/${region}`);
    if (!d) throw new Error(`no fixture for ${offer} ${region}`);
    return d;
  };
  const send = (res: http.ServerResponse, status: number, body: string, type = "application/json") => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const offers: PriceOffers = {
    requests: [],
    setPrice(offer, region, usagetype, usd) {
      const d = doc(offer, region);
      let n = 0;
      for (const [sku, p] of Object.entries(d.products)) {
        if (p.attributes.usagetype !== usagetype) continue;
        for (const term of Object.values(d.terms.OnDemand[sku] ?? {})) for (const dim of Object.values(term.priceDimensions)) dim.pricePerUnit.USD = usd;
        n++;
      }
      if (!n) throw new Error(`no row ${usagetype} in ${offer} ${region}`);
    },
    removeModel(offer, region, name) {
      const d = doc(offer, region);
      for (const [sku, p] of Object.entries(d.products)) {
        if (p.attributes.model === name || p.attributes.servicename === name) {
          delete d.products[sku];
          delete d.terms.OnDemand[sku];
        }
      }
    },
    truncate: (offer, region) => void truncated.add(`${offer}/${region}`),
    publish(offer, version, publicationDate) {
      for (const [k, d] of docs) if (k.startsWith(`${offer}/`)) Object.assign(d, { version, publicationDate });
    },
    reset() {
      docs = loadFixtures();
      truncated = new Set();
      offers.requests.length = 0;
    },
    handle(req, res, path) {
      if (!path.startsWith("/offers/v1.0/aws/")) return false;
      offers.requests.push(path);
      if (req.method !== "GET") {
        send(res, 405, "<Error><Code>MethodNotAllowed</Code></Error>", "application/xml");
        return true;
      }
      const index = /^\/offers\/v1\.0\/aws\/(\w+)\/current\/region_index\.json$/.exec(path);
      if (index) {
        const offer = index[1]!;
        const regions = [...docs.entries()].filter(([k]) => k.startsWith(`${offer}/`));
        if (!regions.length) return send(res, 403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", "application/xml"), true;
        const version = regions[0]![1].version;
        const body = {
          formatVersion: "v1.0",
          disclaimer: "This pricing list is for informational purposes only.",
          publicationDate: regions[0]![1].publicationDate,
          regions: Object.fromEntries(
            regions.map(([k]) => {
              const region = k.split("/")[1]!;
              return [region, { regionCode: region, currentVersionUrl: `/offers/v1.0/aws/${offer}/${version}/${region}/index.json` }];
            }),
          ),
        };
        send(res, 200, JSON.stringify(body, null, 4));
        return true;
      }
      const file = /^\/offers\/v1\.0\/aws\/(\w+)\/(\w+)\/([a-z0-9-]+)\/index\.json$/.exec(path);
      const d = file && docs.get(`${file[1]}/${file[3]}`);
      if (!file || !d || (file[2] !== "current" && file[2] !== d.version)) {
        send(res, 403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", "application/xml");
        return true;
      }
      const body = JSON.stringify(d, null, 4);
      if (truncated.has(`${file[1]}/${file[3]}`)) {
        // the whole length announced, half of it sent, then the connection dropped
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
        return true;
      }
      send(res, 200, body);
      return true;
    },
  };
  return offers;
}
