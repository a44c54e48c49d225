import { describe, expect, it } from "vitest";
import { diffRows, diffStats, foldUnchanged } from "./line-diff";

const lines = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${i + from}`);

describe("line diff", () => {
  it("numbers old and new lines and marks additions and removals", () => {
    const rows = diffRows("a\nb\nc\n", "a\nB\nc\nd\n");
    expect(rows).toEqual([
      { kind: "same", text: "a", oldLine: 1, newLine: 1 },
      { kind: "removed", text: "b", oldLine: 2, newLine: null },
      { kind: "added", text: "B", oldLine: null, newLine: 2 },
      { kind: "same", text: "c", oldLine: 3, newLine: 3 },
      { kind: "added", text: "d", oldLine: null, newLine: 4 },
    ]);
    expect(diffStats(rows)).toEqual({ added: 2, removed: 1 });
  });

  it("folds long unchanged runs and keeps three lines of context around each change", () => {
    const before = [...lines(20), "old", ...lines(20, 21)].join("\n");
    const after = [...lines(20), "new", ...lines(20, 21)].join("\n");
    const segments = foldUnchanged(diffRows(before, after));
    expect(segments.map((s) => [s.kind, s.rows.length])).toEqual([
      ["hidden", 17],
      ["rows", 8],
      ["hidden", 17],
    ]);
  });

  it("does not fold runs too short to be worth a button", () => {
    const segments = foldUnchanged(diffRows([...lines(5), "x"].join("\n"), [...lines(5), "y"].join("\n")));
    expect(segments.every((s) => s.kind === "rows")).toBe(true);
  });
});
