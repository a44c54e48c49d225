import { describe, expect, it } from "vitest";
import { formatDollarsShort } from "~/components/format/money";
import { moneyAxis, niceCeil, percent } from "./format";

describe("cost page formats", () => {
  it("reads percentages", () => {
    expect([percent(1.94), percent(100)]).toEqual(["1.9%", "100%"]);
  });

  it("rounds axis maxima up to round figures", () => {
    expect([niceCeil(472.5), niceCeil(19.59), niceCeil(0), niceCeil(0.07), niceCeil(1200), niceCeil(100)]).toEqual([500, 20, 1, 0.08, 1200, 100]);
  });
});

describe("moneyAxis: the cost chart's axes", () => {
  it.each([0, 0.001, 0.003, 0.04, 0.07, 0.5, 3.2, 19.6, 472.5, 12_000])(
    "ticks for %d dollars are whole cents, distinct as shown, and cover it",
    (value) => {
      const axis = moneyAxis(value);
      expect(axis.max).toBeGreaterThanOrEqual(value);
      for (const tick of axis.ticks) expect(Math.abs(tick * 100 - Math.round(tick * 100))).toBeLessThan(1e-9);
      const shown = axis.ticks.map(formatDollarsShort);
      expect(new Set(shown).size).toBe(shown.length);
    },
  );

  it("keeps a month of a few cents on a cent scale", () => {
    expect(moneyAxis(0.003).ticks.map(formatDollarsShort)).toEqual(["$0", "$0.01", "$0.02", "$0.03", "$0.04"]);
    expect(moneyAxis(0.07).ticks).toEqual([0, 0.02, 0.04, 0.06, 0.08]);
  });
});
