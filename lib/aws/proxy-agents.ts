// Keep-alive agents through an HTTP proxy for the SDK's NodeHttpHandler: HTTPS over CONNECT tunnels, HTTP as forwarded
// requests (https-proxy-agent, http-proxy-agent), each connection pooled and reused like a direct one, at most
// maxSockets of them, requests past that queued until one is free.
import type { ClientRequest } from "node:http";
import type { Duplex } from "node:stream";
import type { AgentConnectOpts } from "agent-base";
import { HttpsProxyAgent } from "https-proxy-agent";
import { HttpProxyAgent } from "http-proxy-agent";

/** What a CONNECT the proxy answered with anything but 200 throws (code EPROXYCONNECT). */
export interface TunnelRefused extends Error {
  code: "EPROXYCONNECT";
  status: number;
  statusText: string;
  /** host:port the tunnel was asked for. */
  target: string;
}

type Pool = { keepAlive: boolean; maxSockets: number };
type SocketCallback = (err: Error | null, s?: Duplex) => void;

/**
 * A connection that could not be made never joins the pool, so no socket's close hands its slot to the requests
 * queued behind it; the agent's own removeSocket does (each of them then makes its own attempt).
 */
function onFailureServeQueue(agent: object, options: AgentConnectOpts, cb: SocketCallback): SocketCallback {
  return (err, s) => {
    cb(err, s);
    if (err) (agent as { removeSocket(s: object, o: object): void }).removeSocket({ writable: true }, options);
  };
}

// agent-base keys the pool with https.Agent's name only when it knows a request is HTTPS. The SDK passes no
// `protocol`, so it guesses from the call stack, which says https when a request is added and http when its socket is
// freed: each idle tunnel was parked under a name no request looks up (a CONNECT and a TLS handshake per request),
// and the busy list never shrank (requests queued past maxSockets waited forever). Each agent carries one scheme.
class TunnelAgent extends HttpsProxyAgent<string> {
  private readonly ca?: string[];
  constructor(proxy: string, pool: Pool, ca?: string[]) {
    super(proxy, pool);
    this.ca = ca;
  }
  override isSecureEndpoint() {
    return true;
  }
  override createSocket(req: ClientRequest, options: AgentConnectOpts, cb: SocketCallback) {
    super.createSocket(req, options, onFailureServeQueue(this, options, cb));
  }
  // The agent's own options only reach the proxy connection; the CA must reach the TLS session tunnelled through it.
  // A refused CONNECT is an error, not (as https-proxy-agent has it) a read-only socket replaying the proxy's answer
  // as if the target had sent it: the pool destroys such a socket instead of handing it to a queued request.
  override async connect(req: ClientRequest, opts: AgentConnectOpts) {
    let refused: { statusCode: number; statusText: string } | undefined;
    const onConnect = (c: { statusCode: number; statusText: string }) => {
      if (c.statusCode !== 200) refused = c;
    };
    const before = new Set(req.listeners("socket"));
    req.once("proxyConnect", onConnect);
    const socket = await super.connect(req, this.ca ? ({ ...opts, ca: this.ca } as typeof opts) : opts).finally(() => req.off("proxyConnect", onConnect));
    if (!refused) return socket;
    socket.destroy();
    for (const replay of req.listeners("socket")) if (!before.has(replay)) req.off("socket", replay as () => void);
    const target = `${opts.host}:${opts.port}`;
    throw Object.assign(new Error(`CONNECT ${target}: ${refused.statusCode} ${refused.statusText}`), { code: "EPROXYCONNECT", status: refused.statusCode, statusText: refused.statusText, target });
  }
}

class ForwardAgent extends HttpProxyAgent<string> {
  override isSecureEndpoint() {
    return false;
  }
  override createSocket(req: ClientRequest, options: AgentConnectOpts, cb: SocketCallback) {
    super.createSocket(req, options, onFailureServeQueue(this, options, cb));
  }
}

/** The httpsAgent and httpAgent options of a NodeHttpHandler that goes through `proxy`, trusting `ca` behind it. */
export const proxyAgents = (proxy: string, pool: Pool, ca?: string[]) => ({ httpsAgent: new TunnelAgent(proxy, pool, ca), httpAgent: new ForwardAgent(proxy, pool) });
