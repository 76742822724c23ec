import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { conversationsDir, joinPath, settingsPath } from "../../lib/paths.ts";
import { editedStrings } from "../helpers/edited-strings.ts";

describe("joinPath", () => {
  test("is node:path's join for every spelling of the directory (spelled directly only where join would not change it)", () => {
    const dirs = ["/home/me", "/home/me/", "/home//me", "/home/./me", "/home/me/..", "/home/../me", "/", "//", ".", "..", "./x", "../x", "x", "x/", "x/.", "a/b/c", "/.hidden", "/a/..b", "/a/b..", "/...", "...", "a/.../b", "", "/a b/ü", "C:\\x", "/a\\b"];
    for (const dir of dirs) {
      for (const names of [["x"], [".amazon-q", "settings.json"], ["Library", "Application Support", "amazon-q"]]) {
        expect({ dir, names, got: joinPath(dir, ...names) }).toEqual({ dir, names, got: join(dir, ...names) });
      }
      expect(joinPath(dir)).toBe(join(dir));
    }
  });

  test("is join's for 20,000 directories edited at random (dots, slashes, backslashes, letters)", () => {
    const dirs = ["/home/me", "/home/me/.amazon-q", "./a/b", "../x/y", "/a/..b/c.", "relative/dir", "/"];
    let n = 0;
    for (const dir of editedStrings(dirs, "./\\a.", 20_000, 0x5eed)) {
      const got = joinPath(dir, "x", "y.json");
      if (got !== join(dir, "x", "y.json")) expect({ dir, got }).toEqual({ dir, got: join(dir, "x", "y.json") });
      n++;
    }
    expect(n).toBe(20_000);
  });

  test("the paths built from HOME are join's", () => {
    for (const HOME of ["/home/me", "/home/me/", "/home/me/../you"]) {
      expect(settingsPath({ HOME })).toBe(join(HOME, ".amazon-q", "settings.json"));
      expect(conversationsDir({ HOME })).toBe(join(HOME, ".amazon-q", "conversations"));
    }
  });
});
