/**
 * An environment's lifetime, one rule for every place that needs it.
 *
 * The lifetime counts from the moment the environment starts to exist: when its first apply
 * starts, after every approval, however late that came (a slow approval no longer eats the
 * lifetime). The apply stores `expiresAtFrom(applyStart, ttlHours)` on the environment row before
 * it creates anything, and every resource of every engine is tagged `expires-at` with that stored
 * value (server/runner/tags.ts), so the row and the tags agree by construction, always. Not the
 * moment the environment becomes ready: resources are tagged when they are created, before
 * readiness is known, and a value known only at the end would need every resource retagged.
 * The difference is the apply's own duration (seconds to minutes against a TTL of hours).
 * An extension moves the row and an update run moves the tags to the new value.
 */
import { sql, type SQL } from "drizzle-orm";

export const HOUR_MS = 3_600_000;

/**
 * When the environment's lifetime started: its row is created by its first apply, at the moment
 * that apply starts (server/runner/start-apply.ts), so it is the row's creation time. Extension
 * limits ("the whole lifetime within the tier's maximum") count from here too.
 */
export function lifetimeStart(environment: { createdAt: Date }): Date {
  return environment.createdAt;
}

/** When an environment whose lifetime starts at `start` expires. */
export function expiresAtFrom(start: Date, ttlHours: number): Date {
  if (!Number.isFinite(ttlHours) || ttlHours <= 0) throw new RangeError(`ttlHours must be a positive number of hours, got ${ttlHours}`);
  return new Date(start.getTime() + ttlHours * HOUR_MS);
}

/**
 * expiresAtFrom in SQL, for the statement that creates the environment from its request's row
 * (`ttlHours` a column there; the requests table's check keeps it positive).
 */
export function expiresAtFromSql(start: Date, ttlHours: SQL): SQL {
  return sql`(${start.toISOString()}::timestamptz + ${ttlHours} * interval '1 hour')`;
}
