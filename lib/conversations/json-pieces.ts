// A value as pretty JSON (exactly JSON.stringify(value, null, 2)), produced in pieces: a conversation holding an answer
// of N MB is saved without building the whole document as one string and then one Buffer beside it (two more copies
// of the answer). Long strings are escaped a slice at a time.
const SLICE = 1 << 20;

/** What JSON.stringify escapes in a string (lone surrogates too); a slice without any is written as it is. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(s) of a long string, a slice at a time (never splitting a surrogate pair). */
function* stringPieces(s: string): Generator<string> {
  yield '"';
  for (let i = 0; i < s.length; ) {
    let end = Math.min(i + SLICE, s.length);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
    const slice = s.slice(i, end);
    // most answers need no escaping: the slice goes out as it is, with no escaped copy to collect later
    yield NEEDS_ESCAPE.test(slice) ? JSON.stringify(slice).slice(1, -1) : slice;
    i = end;
  }
  yield '"';
}

/** The pieces of JSON.stringify(value, null, 2), in order. */
export function* prettyJsonPieces(value: unknown, indent = ""): Generator<string> {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") value = (value as { toJSON(): unknown }).toJSON();
  if (typeof value === "string") {
    if (value.length > SLICE) yield* stringPieces(value);
    else yield JSON.stringify(value);
    return;
  }
  if (value === null || typeof value !== "object") {
    yield JSON.stringify(value) ?? "null";
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return void (yield "[]");
    yield "[";
    for (let i = 0; i < value.length; i++) {
      yield `${i ? "," : ""}\n${inner}`;
      const v = value[i];
      if (v === undefined || typeof v === "function" || typeof v === "symbol") yield "null";
      else yield* prettyJsonPieces(v, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
    yield `${first ? "{" : ","}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* prettyJsonPieces(v, inner);
  }
  yield first ? "{}" : `\n${indent}}`;
}
