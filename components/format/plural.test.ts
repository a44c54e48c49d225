import { describe, expect, it } from "vitest";
import { plural, pluralNoun } from "./plural";

describe("plural", () => {
  it.each([
    [0, "minute", undefined, "0 minutes"],
    [1, "minute", undefined, "1 minute"],
    [2, "minute", undefined, "2 minutes"],
    [1.5, "hour", undefined, "1.5 hours"],
    [1204, "event", undefined, "1,204 events"],
    [1, "entry", "entries", "1 entry"],
    [3, "entry", "entries", "3 entries"],
  ])("%d %s → %s", (n, one, other, text) => expect(plural(n, one, other)).toBe(text));

  it("chooses the noun alone", () => {
    expect([pluralNoun(1, "is", "are"), pluralNoun(4, "is", "are"), pluralNoun(1, "resource")]).toEqual(["is", "are", "resource"]);
  });
});
