// Answer shapes for the speed benches and the streaming tests, picked by substrings of the model id (like the fake's
// failures): `deltas-<N>` streams N small deltas (`w1 w2 …`), `answer-<N>mb` one answer of N MiB in 64 KiB deltas,
// and `pace-<N>ms` waits N ms before each delta (so a test can watch the first one arrive before the last is sent).
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StreamShape {
  chunks: string[];
  /** Waited before each delta. */
  paceMs: number;
}

export function streamShape(modelId: string): StreamShape | undefined {
  const deltas = Number(/deltas-(\d+)/.exec(modelId)?.[1] ?? 0);
  const mib = Number(/answer-(\d+)mb/.exec(modelId)?.[1] ?? 0);
  const paceMs = Number(/pace-(\d+)ms/.exec(modelId)?.[1] ?? 0);
  if (deltas) return { chunks: Array.from({ length: deltas }, (_, i) => `w${i + 1} `), paceMs };
  if (mib) {
    const piece = "0123456789abcdef".repeat(4096);
    return { chunks: Array.from({ length: mib * 16 }, () => piece), paceMs };
  }
  return undefined;
}

/** Sends the shape's deltas through `write` (the fake's frame writer), pacing them when asked. */
export async function sendShape(shape: StreamShape, write: (text: string) => Promise<unknown>) {
  for (const c of shape.chunks) {
    if (shape.paceMs) await sleep(shape.paceMs);
    await write(c);
  }
}
