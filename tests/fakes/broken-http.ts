// A loopback Bedrock endpoint that breaks its connections, on raw TCP so the break is exactly the one asked for
// (HTTP/1.1 only, what batch's pool speaks). Picked by a substring of the model id in the request path:
//   hangup → the connection is closed before any answer | reset → reset (RST) before any answer
//   cut → a 200 event stream, one text delta, then the connection is closed mid-answer, inside the next frame
// Anything else: 404. Requests are not verified (the fake-aws does that); `hits` counts the requests that arrived,
// `lastHead` keeps the request line and headers of the latest (which client sent it).
import net from "node:net";
import { eventFrame } from "./eventstream.ts";

export interface BrokenHttp {
  url: string;
  hits: number;
  lastHead: string;
  close(): void;
}

const chunk = (b: Uint8Array) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from("\r\n")]);

export async function startBrokenHttp(): Promise<BrokenHttp> {
  const sockets = new Set<net.Socket>();
  const state = { hits: 0, lastHead: "" };
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    let buf = Buffer.alloc(0);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buf.subarray(0, end).toString("latin1");
      const length = Number(/^content-length: *(\d+)/im.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      buf = buf.subarray(end + 4 + length);
      state.hits++;
      state.lastHead = head;
      const path = head.split(" ")[1] ?? "";
      if (path.includes("hangup")) return void s.end();
      if (path.includes("reset")) return void s.resetAndDestroy();
      if (!path.includes("cut")) return void s.write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
      const delta = eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "partial" } });
      s.write("HTTP/1.1 200 OK\r\ncontent-type: application/vnd.amazon.eventstream\r\nx-amzn-requestid: broken-1\r\ntransfer-encoding: chunked\r\n\r\n");
      s.write(chunk(eventFrame("messageStart", { role: "assistant" })));
      s.write(chunk(delta));
      // half of the next frame, then the connection goes
      s.write(Buffer.concat([Buffer.from(`${delta.length.toString(16)}\r\n`), delta.subarray(0, 20)]));
      setTimeout(() => s.end(), 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get hits() {
      return state.hits;
    },
    set hits(n: number) {
      state.hits = n;
    },
    get lastHead() {
      return state.lastHead;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
