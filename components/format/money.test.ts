import { describe, expect, it } from "vitest";
import { formatCents, formatCentsExact, formatDollarsShort, formatMicrosPerHour } from "./money";

describe("formatCents: whole dollars, cents only where rounding would hide them", () => {
  it.each([
    [0, "$0"],
    [1, "$0.01"],
    [40, "$0.40"],
    [500, "$5"],
    [999, "$9.99"],
    [1000, "$10"],
    [1049, "$10"],
    [1050, "$11"],
    [6600, "$66"],
    [438_100, "$4,381"],
    [123_456_789, "$1,234,568"],
    [-1200, "−$12"],
    [-40, "−$0.40"],
  ])("%i cents → %s", (cents, text) => expect(formatCents(cents)).toBe(text));
});

describe("formatCentsExact: to the cent", () => {
  it.each([
    [0, "$0.00"],
    [5, "$0.05"],
    [42, "$0.42"],
    [194_712, "$1,947.12"],
    [100_000_000, "$1,000,000.00"],
    [-250, "−$2.50"],
    [1005, "$10.05"],
    [4.6, "$0.05"],
  ])("%d cents → %s", (cents, text) => expect(formatCentsExact(cents)).toBe(text));
});

describe("formatMicrosPerHour", () => {
  it.each([
    [0, "free"],
    [41_600, "$0.0416/h"],
    [5_090_000, "$5.09/h"],
    [1_000_000, "$1.00/h"],
    [12_345_678_901, "$12,345.68/h"],
  ])("%i micro-dollars → %s", (micros, text) => expect(formatMicrosPerHour(micros)).toBe(text));
});

describe("formatDollarsShort: axis ticks", () => {
  it.each([
    [0, "$0"],
    [0.02, "$0.02"],
    [0.05, "$0.05"],
    [0.125, "$0.13"],
    [8, "$8"],
    [12.54, "$12.5"],
    [1234, "$1.2k"],
    [3_000_000, "$3M"],
    [-5, "−$5"],
  ])("%d → %s", (dollars, text) => expect(formatDollarsShort(dollars)).toBe(text));

  it("keeps small ticks apart: a chart of a few cents does not read $0 five times", () => {
    const ticks = [0, 0.02, 0.04, 0.06, 0.08].map(formatDollarsShort);
    expect(new Set(ticks).size).toBe(ticks.length);
  });
});
