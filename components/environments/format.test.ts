import { describe, expect, it } from "vitest";
import { countdown, durationText, moneyExact, runDuration } from "./format";

describe("money to the cent", () => {
  it.each([
    [0, "$0.00"],
    [7, "$0.07"],
    [42, "$0.42"],
    [123_456, "$1,234.56"],
    [-250, "−$2.50"],
  ])("%i cents read %s", (cents, text) => expect(moneyExact(cents)).toBe(text));
});

describe("expiry countdown", () => {
  const now = new Date("2025-03-14T12:00:00Z");
  it.each([
    ["2025-03-16T15:00:00Z", "in 2 d 3 h", "slate"],
    ["2025-03-15T12:00:00Z", "in 1 d", "slate"],
    ["2025-03-14T17:12:00Z", "in 5 h 12 min", "amber"],
    ["2025-03-14T12:05:30Z", "in 5 min 30 s", "red"],
    ["2025-03-14T12:45:00Z", "in 45 min", "red"],
    ["2025-03-14T12:00:20Z", "in 20 s", "red"],
    ["2025-03-14T09:00:00Z", "expired 3 h ago", "red"],
  ])("until %s reads %s (%s)", (at, text, tone) => {
    expect(countdown(at, now)).toMatchObject({ text, tone, expired: text.startsWith("expired") });
  });
});

describe("durations", () => {
  it("shows the two largest units", () => {
    expect(durationText(72_000)).toBe("1 min 12 s");
    expect(durationText(3_600_000 * 50)).toBe("2 d 2 h");
    expect(durationText(-5)).toBe("0 s");
  });

  it("times a run from its start to its end, or to now while it runs", () => {
    expect(runDuration({ startedAt: null, finishedAt: null })).toBe("–");
    expect(runDuration({ startedAt: "2025-03-14T12:00:00Z", finishedAt: "2025-03-14T12:00:09Z" })).toBe("9 s");
    expect(runDuration({ startedAt: "2025-03-14T12:00:00Z", finishedAt: null }, new Date("2025-03-14T12:03:00Z"))).toBe("3 min");
  });
});
