import { describe, expect, it } from "vitest";
import { untilText } from "./expiry";

describe("how an expiry reminder says the time left", () => {
  const now = new Date("2026-03-10T12:00:00Z");
  const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000);
  it.each([
    [0.2, "1 minute"],
    [1, "1 minute"],
    [2, "2 minutes"],
    [50, "50 minutes"],
    [89, "89 minutes"],
    [90, "2 hours"],
    [60 * 23, "23 hours"],
    [60 * 24, "1 day"],
  ])("%d minutes → %s", (minutes, text) => expect(untilText(inMinutes(minutes), now)).toBe(text));
});
