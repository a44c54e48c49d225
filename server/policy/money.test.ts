import { describe, expect, it } from "vitest";
import { formatHours, formatUsd, formatUsdExact, formatUsdPair } from "./money";

describe("formatUsd", () => {
  it.each([
    [0, "$0"],
    [1, "$0.01"],
    [40, "$0.40"],
    [500, "$5"],
    [999, "$9.99"],
    [1000, "$10"],
    [1049, "$10"],
    [1050, "$11"],
    [123_449, "$1,234"],
    [123_456, "$1,235"],
    [50_000, "$500"],
    [100_000_000, "$1,000,000"],
    [-2_500, "-$25"],
    [-40, "-$0.40"],
  ])("%i cents → %s", (cents, text) => {
    expect(formatUsd(cents)).toBe(text);
  });

  it("refuses anything but whole cents", () => {
    expect(() => formatUsd(12.5)).toThrow("not a whole number of cents: 12.5");
    expect(() => formatUsd(Number.NaN)).toThrow("not a whole number of cents");
  });
});

describe("formatUsdExact and formatUsdPair", () => {
  it.each([
    [0, "$0.00"],
    [7, "$0.07"],
    [350_001, "$3,500.01"],
    [-123_456, "-$1,234.56"],
  ])("%i cents → %s", (cents, text) => {
    expect(formatUsdExact(cents)).toBe(text);
  });

  it("shows cents only when whole dollars would make two different amounts read the same", () => {
    expect(formatUsdPair(350_000, 360_000)).toEqual(["$3,500", "$3,600"]);
    expect(formatUsdPair(350_000, 350_000)).toEqual(["$3,500", "$3,500"]);
    expect(formatUsdPair(350_000, 350_001)).toEqual(["$3,500.00", "$3,500.01"]);
  });
});

describe("formatHours", () => {
  it.each([
    [1, "1 hour"],
    [12, "12 hours"],
    [24, "1 day"],
    [36, "36 hours"],
    [72, "3 days"],
  ])("%i → %s", (hours, text) => {
    expect(formatHours(hours)).toBe(text);
  });
});
