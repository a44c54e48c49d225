import { z } from "zod";

/**
 * Inputs of the cost page, the `costs.summary` procedure and the FOCUS export: one schema for
 * all three. Browser-safe (no server imports). Months are calendar months in UTC.
 */

/** "2026-11": a calendar month in UTC. */
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month as YYYY-MM");

/** A team id, or "all" for every team (admins and auditors). */
export const costTeamSchema = z.union([z.literal("all"), z.uuid()], { error: "must be a team id or 'all'" });

/** A tag key to group by ("cost-center", "owner", a template's own tag). */
export const tagKeySchema = z
  .string()
  .trim()
  .min(1, "cannot be empty")
  .max(128, "at most 128 characters")
  .regex(/^[A-Za-z0-9_.:/@+=-]+$/, "letters, digits and _ . : / @ + = -");

export const defaultGroupTag = "owner";

export const costSummaryInput = z.object({
  teamId: costTeamSchema,
  month: monthSchema.optional(),
  groupTag: tagKeySchema.optional(),
});
export type CostSummaryInput = z.infer<typeof costSummaryInput>;

export const costExportQuery = z.object({
  team: costTeamSchema,
  month: monthSchema.optional(),
});

/** The month `now` is in, as "YYYY-MM" (UTC). */
export function monthOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** First instant of the month and of the next one (UTC). */
export function monthRange(month: string): { start: Date; end: Date } {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  return { start: new Date(Date.UTC(year, mon - 1, 1)), end: new Date(Date.UTC(year, mon, 1)) };
}

/** The month before or after ("2026-01", -1 → "2025-12"). */
export function shiftMonth(month: string, delta: number): string {
  const { start } = monthRange(month);
  return monthOf(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + delta, 1)));
}

/** "November 2026". */
export function monthLabel(month: string): string {
  return monthRange(month).start.toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}
