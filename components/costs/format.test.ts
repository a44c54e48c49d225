import { describe, expect, it } from "vitest";
import { niceCeil, percent } from "./format";

describe("cost page formats", () => {
  it("reads percentages", () => {
    expect([percent(1.94), percent(100)]).toEqual(["1.9%", "100%"]);
  });

  it("rounds axis maxima up to round figures", () => {
    expect([niceCeil(472.5), niceCeil(19.59), niceCeil(0), niceCeil(0.07), niceCeil(1200), niceCeil(100)]).toEqual([500, 20, 1, 0.08, 1200, 100]);
  });
});
