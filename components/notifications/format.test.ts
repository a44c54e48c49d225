import { describe, expect, it } from "vitest";
import { badgeText, bellLabel } from "./format";

describe("notification formatting", () => {
  it("names the bell with its unread count", () => {
    expect(bellLabel(3)).toBe("Notifications, 3 unread");
    expect(bellLabel(0)).toBe("Notifications, none unread");
    expect(bellLabel(undefined)).toBe("Notifications");
    expect(badgeText(120)).toBe("99+");
  });
});
