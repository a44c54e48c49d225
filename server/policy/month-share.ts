/**
 * A request's share of this month's budget: its hourly cost over the hours it will exist
 * before the calendar month ends. Budgets are per calendar month in UTC, like the cost
 * roll-ups; time is passed in so the function stays pure.
 */
import { centsOverHours } from "~/server/engines/pricing";

const HOUR_MS = 3_600_000;

/** Whole hours from `now` to the start of the next UTC month; a started hour counts in full. */
export function hoursLeftInMonth(now: Date): number {
  const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return Math.ceil((nextMonth - now.getTime()) / HOUR_MS);
}

/**
 * Cents this request spends this month: min(TTL, hours left in the month) at its hourly rate,
 * rounded like every other cost (centsOverHours), so a TTL that ends within the month gives
 * exactly the plan's cost over the TTL.
 */
export function monthShareCents({ hourlyMicros, ttlHours, now }: { hourlyMicros: number; ttlHours: number; now: Date }): number {
  return centsOverHours(hourlyMicros, Math.min(ttlHours, hoursLeftInMonth(now)));
}
