// JavaScript's `\s`, one UTF-16 code unit at a time: for the checks written by hand instead of a RegExp (a model id,
// a first prompt's tidiness), which run where a process's first RegExp would compile JavaScriptCore's RegExp code.

/** A code unit `\s` matches: ECMAScript's WhiteSpace and LineTerminator. */
export const isSpaceUnit = (c: number) =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
