import { describe, expect, it } from "vitest";
import { badgeText, bellLabel, timeAgo } from "./format";

describe("notification formatting", () => {
  const now = new Date("2026-03-10T12:00:00Z");
  it.each([
    ["2026-03-10T11:59:30Z", "just now"],
    ["2026-03-10T11:55:00Z", "5 min ago"],
    ["2026-03-10T09:00:00Z", "3 h ago"],
    ["2026-03-09T12:00:00Z", "1 day ago"],
    ["2026-03-07T12:00:00Z", "3 days ago"],
    ["2026-01-01T08:30:00Z", "1 Jan 2026, 08:30 UTC"],
  ])("%s is %s", (date, expected) => {
    expect(timeAgo(date, now)).toBe(expected);
  });

  it("names the bell with its unread count", () => {
    expect(bellLabel(3)).toBe("Notifications, 3 unread");
    expect(bellLabel(0)).toBe("Notifications, none unread");
    expect(bellLabel(undefined)).toBe("Notifications");
    expect(badgeText(120)).toBe("99+");
  });
});
