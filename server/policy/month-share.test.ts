import { describe, expect, it } from "vitest";
import { centsOverHours } from "~/server/engines/pricing";
import { hoursLeftInMonth, monthShareCents } from "./month-share";

describe("hoursLeftInMonth", () => {
  it.each([
    ["2025-01-31T00:00:00Z", 24],
    ["2025-01-31T23:30:00Z", 1], // a started hour counts in full
    ["2025-01-01T00:00:00Z", 31 * 24],
    ["2024-02-01T00:00:00Z", 29 * 24], // leap year
    ["2025-12-31T12:00:00Z", 12], // over the year end
  ])("at %s: %i hours", (at, hours) => {
    expect(hoursLeftInMonth(new Date(at))).toBe(hours);
  });
});

describe("monthShareCents", () => {
  const hourlyMicros = 100_000; // $0.10 an hour

  it("is the cost over the TTL when the TTL ends within the month", () => {
    const share = monthShareCents({ hourlyMicros, ttlHours: 72, now: new Date("2025-03-10T00:00:00Z") });
    expect(share).toBe(720);
    expect(share).toBe(centsOverHours(hourlyMicros, 72));
  });

  it("counts only the hours before the month ends", () => {
    expect(monthShareCents({ hourlyMicros, ttlHours: 14 * 24, now: new Date("2025-03-31T00:00:00Z") })).toBe(240);
  });

  it("is zero for a free request", () => {
    expect(monthShareCents({ hourlyMicros: 0, ttlHours: 72, now: new Date("2025-03-10T00:00:00Z") })).toBe(0);
  });
});
