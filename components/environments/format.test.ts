import { describe, expect, it } from "vitest";
import { countdown, runDuration } from "./format";

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
  it("times a run from its start to its end, or to now while it runs", () => {
    expect(runDuration({ startedAt: null, finishedAt: null })).toBe("–");
    expect(runDuration({ startedAt: "2025-03-14T12:00:00Z", finishedAt: "2025-03-14T12:00:09Z" })).toBe("9 s");
    expect(runDuration({ startedAt: "2025-03-14T12:00:00Z", finishedAt: null }, new Date("2025-03-14T12:03:00Z"))).toBe("3 min");
  });
});
