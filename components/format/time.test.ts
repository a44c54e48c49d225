import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatDay, formatDuration, formatHours, formatLogTime, formatRelative, formatSeconds, formatTime } from "./time";

describe("absolute times: UTC, and marked so", () => {
  const at = "2026-11-03T12:00:05.123Z";
  it("reads the same whatever the machine's time zone", () => {
    expect(formatDateTime(at)).toBe("3 Nov 2026, 12:00 UTC");
    expect(formatDateTime(new Date("2025-03-04T05:06:07.890+02:00"), { seconds: true })).toBe("4 Mar 2025, 03:06:07 UTC");
    expect(formatDate(at)).toBe("3 Nov 2026");
    expect(formatDate("2026-01-01T23:30:00-05:00")).toBe("2 Jan 2026");
    expect(formatDay("2026-11-03")).toBe("3 Nov");
    expect(formatTime(at)).toBe("12:00 UTC");
    expect(formatLogTime(at)).toBe("12:00:05.123");
  });

  it("shows a dash for a missing date", () => {
    expect([formatDateTime(null), formatDateTime(undefined), formatDate(null)]).toEqual(["–", "–", "–"]);
  });
});

describe("relative times", () => {
  const now = new Date("2025-03-14T12:00:00Z");
  it.each([
    ["2025-03-14T11:59:30Z", "just now"],
    ["2025-03-14T12:00:30Z", "just now"],
    ["2025-03-14T11:59:10Z", "1 minute ago"],
    ["2025-03-14T11:55:00Z", "5 minutes ago"],
    ["2025-03-14T12:01:00Z", "in 1 minute"],
    ["2025-03-14T12:10:00Z", "in 10 minutes"],
    ["2025-03-14T11:00:00Z", "1 hour ago"],
    ["2025-03-14T09:00:00Z", "3 hours ago"],
    ["2025-03-14T15:00:00Z", "in 3 hours"],
    ["2025-03-13T11:00:00Z", "yesterday"],
    ["2025-03-15T12:00:00Z", "tomorrow"],
    ["2025-03-11T12:00:00Z", "3 days ago"],
    ["2025-02-20T12:00:00Z", "3 weeks ago"],
    ["2024-03-01T12:00:00Z", "last year"],
  ])("%s is %s", (at, text) => {
    expect(formatRelative(at, now)).toBe(text);
  });

  it("accepts dates, strings and epoch milliseconds alike", () => {
    expect(formatRelative(new Date("2025-03-14T11:55:00Z"), now.getTime())).toBe("5 minutes ago");
  });
});

describe("durations", () => {
  it("shows the two largest units, compact", () => {
    expect(formatDuration(72_000)).toBe("1 min 12 s");
    expect(formatDuration(3_600_000 * 50)).toBe("2 d 2 h");
    expect(formatDuration(86_400_000)).toBe("1 d");
    expect(formatDuration(15 * 60_000 + 5_000)).toBe("15 min");
    expect(formatDuration(-5)).toBe("0 s");
  });

  it("writes lifetimes in words with the right plural", () => {
    expect([formatHours(1), formatHours(36), formatHours(24), formatHours(72), formatHours(25)]).toEqual([
      "1 hour",
      "36 hours",
      "1 day",
      "3 days",
      "25 hours",
    ]);
  });

  it("writes measured times in seconds", () => {
    expect([formatSeconds(1234), formatSeconds(50)]).toEqual(["1.2 s", "0.1 s"]);
  });
});
