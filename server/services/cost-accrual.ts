/**
 * What cost records have accrued over a period: each record's hourly rate times the hours of
 * the period it overlaps (an open record runs up to `until`). Amounts stay in integer
 * micro-dollars until they are shown, so sums are exact; cents are rounded once, at the end.
 */
import { and, inArray, lt, or, gt, isNull, sql, type SQL } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { costRecords } from "~/db/schema";

/** Micro-dollars a record accrued between `from` and `until` (0 when it does not overlap). */
export function accruedMicrosSql(from: Date, until: Date): SQL<string> {
  const start = sql`greatest(${costRecords.startedAt}, ${from.toISOString()}::timestamptz)`;
  const end = sql`least(coalesce(${costRecords.endedAt}, ${until.toISOString()}::timestamptz), ${until.toISOString()}::timestamptz)`;
  return sql<string>`(${costRecords.hourlyMicros}::numeric * greatest(0, extract(epoch from (${end} - ${start}))) / 3600)`;
}

/** Records that overlap [from, until). */
export function overlapsSql(from: Date, until: Date): SQL | undefined {
  return and(lt(costRecords.startedAt, until), or(isNull(costRecords.endedAt), gt(costRecords.endedAt, from)));
}

export const microsToCents = (micros: number): number => Math.round(micros / 10_000);

/** Accrued cost in cents per environment, from its first record to `until` (default now). */
export async function accruedCentsByEnvironment(
  db: Executor,
  environmentIds: readonly string[],
  until: Date = new Date(),
): Promise<Map<string, number>> {
  if (environmentIds.length === 0) return new Map();
  const rows = await db
    .select({ environmentId: costRecords.environmentId, micros: sql<string>`coalesce(sum(${accruedMicrosSql(new Date(0), until)}), 0)` })
    .from(costRecords)
    .where(inArray(costRecords.environmentId, [...environmentIds]))
    .groupBy(costRecords.environmentId);
  return new Map(rows.map((r) => [r.environmentId, microsToCents(Number(r.micros))]));
}
