/**
 * `Idempotency-Key` for the API's creates: the first call with a key claims it (with a hash of
 * the route and body); a repeat with the same body gets the stored answer, with another body a
 * refusal, while the first is still running a conflict. A failed first call (5xx) frees the key.
 * Keys are kept a day (the cleanup runs with the claim: rows older than that are removed).
 */
import { createHash } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { apiIdempotencyKeys } from "~/db/schema";

export const idempotencyKeyShape = /^[\x21-\x7e]{1,255}$/;
const keepMs = 24 * 60 * 60_000;

export type Claim = { state: "claimed" } | { state: "replay"; status: number; body: unknown } | { state: "mismatch" } | { state: "in_progress" };

export const bodyHash = (route: string, body: unknown) =>
  createHash("sha256")
    .update(route)
    .update("\n")
    .update(JSON.stringify(body ?? null))
    .digest("hex");

export async function claimKey(db: Database, principal: string, key: string, route: string, body: unknown, now = new Date()): Promise<Claim> {
  const hash = bodyHash(route, body);
  await db
    .delete(apiIdempotencyKeys)
    .where(and(eq(apiIdempotencyKeys.principal, principal), lt(apiIdempotencyKeys.createdAt, new Date(now.getTime() - keepMs))));
  const inserted = await db
    .insert(apiIdempotencyKeys)
    .values({ principal, key, route, bodyHash: hash })
    .onConflictDoNothing()
    .returning({ key: apiIdempotencyKeys.key });
  if (inserted.length > 0) return { state: "claimed" };
  const [row] = await db
    .select()
    .from(apiIdempotencyKeys)
    .where(and(eq(apiIdempotencyKeys.principal, principal), eq(apiIdempotencyKeys.key, key)));
  if (!row) return claimKey(db, principal, key, route, body, now);
  if (row.bodyHash !== hash) return { state: "mismatch" };
  if (row.status === null) return { state: "in_progress" };
  return { state: "replay", status: row.status, body: row.response };
}

/** Stores the answer of a claimed key; a server fault frees the key so the call can be retried. */
export async function settleKey(db: Database, principal: string, key: string, status: number, body: unknown) {
  const where = and(eq(apiIdempotencyKeys.principal, principal), eq(apiIdempotencyKeys.key, key));
  if (status >= 500) await db.delete(apiIdempotencyKeys).where(where);
  else
    await db
      .update(apiIdempotencyKeys)
      .set({ status, response: sql`${JSON.stringify(body ?? null)}::jsonb` })
      .where(where);
}
