// Strings for tests that compare a hand-written check with the pattern it replaced: real values with up to two random
// edits (a character inserted, deleted or replaced), the same strings every run (xorshift32 from a fixed seed).
export function* editedStrings(values: readonly string[], alphabet: string, count: number, seed: number): Generator<string> {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < count; i++) {
    let s = values[next() % values.length]!;
    for (let n = next() % 3; n > 0; n--) {
      const at = next() % (s.length + 1);
      const c = alphabet[next() % alphabet.length]!;
      const op = next() % 3;
      s = op === 0 ? s.slice(0, at) + c + s.slice(at) : op === 1 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + c + s.slice(at + 1);
    }
    yield s;
  }
}
