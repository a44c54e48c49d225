import { describe, expect, it } from "vitest";
import { dayLabel, instantLabel, niceCeil, percent, usd, usdShort } from "./format";

describe("cost page formats", () => {
  it("shows exact dollars and cents", () => {
    expect([usd(194712), usd(5), usd(0), usd(100_000_000), usd(-250)]).toEqual(["$1,947.12", "$0.05", "$0.00", "$1,000,000.00", "−$2.50"]);
  });

  it("keeps axis labels short", () => {
    expect([usdShort(0), usdShort(8), usdShort(12.54), usdShort(1234), usdShort(3_000_000)]).toEqual(["$0", "$8", "$12.5", "$1.2k", "$3M"]);
  });

  it("reads percentages and days", () => {
    expect([percent(1.94), percent(100), dayLabel("2026-11-03"), instantLabel("2026-11-10T12:00:00Z")]).toEqual(["1.9%", "100%", "3 Nov", "10 Nov 2026, 12:00 UTC"]);
  });

  it("rounds axis maxima up to round figures", () => {
    expect([niceCeil(472.5), niceCeil(19.59), niceCeil(0), niceCeil(0.07), niceCeil(1200), niceCeil(100)]).toEqual([500, 20, 1, 0.08, 1200, 100]);
  });
});
