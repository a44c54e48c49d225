/**
 * API rate limits: token buckets in PostgreSQL, so every web replica shares them. One statement
 * per call refills each bucket for the time since its last call (up to its capacity) and takes
 * one token when there is one; `allowed` says whether it could.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";

export type BucketPolicy = { key: string; capacity: number; perSecond: number };
export type RateDecision = {
  allowed: boolean;
  /** The bucket that decided (the emptiest). */
  key: string;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one more call is allowed (0 when allowed). */
  retryAfterSeconds: number;
  windowSeconds: number;
};

export async function takeTokens(db: Executor, buckets: BucketPolicy[]): Promise<RateDecision> {
  if (buckets.length === 0) throw new Error("no bucket");
  const values = sql.join(
    buckets.map((b) => sql`(${b.key}, ${b.capacity}::float8, ${b.perSecond}::float8)`),
    sql`, `,
  );
  // refill = min(capacity, tokens + elapsed × rate); take one when refill >= 1.
  const result = await db.execute<{ key: string; tokens: number; allowed: boolean }>(sql`
    with policy(key, capacity, rate) as (values ${values})
    insert into api_rate_buckets as b (key, tokens, allowed, updated_at)
    select key, capacity - 1, true, clock_timestamp() from policy
    on conflict (key) do update set
      tokens = (select case when r.refill >= 1 then r.refill - 1 else r.refill end
                from (select least(p.capacity, b.tokens + extract(epoch from clock_timestamp() - b.updated_at) * p.rate) as refill
                      from policy p where p.key = b.key) r),
      allowed = (select least(p.capacity, b.tokens + extract(epoch from clock_timestamp() - b.updated_at) * p.rate) >= 1
                 from policy p where p.key = b.key),
      updated_at = clock_timestamp()
    returning b.key, b.tokens, b.allowed`);
  const rows = (result as unknown as { rows: { key: string; tokens: number; allowed: boolean }[] }).rows;
  const decisions = rows.map((row) => {
    const policy = buckets.find((b) => b.key === row.key)!;
    const tokens = Number(row.tokens);
    return {
      allowed: row.allowed,
      key: row.key,
      limit: policy.capacity,
      remaining: Math.max(0, Math.floor(tokens)),
      resetSeconds: Math.ceil((policy.capacity - tokens) / policy.perSecond),
      retryAfterSeconds: row.allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / policy.perSecond)),
      windowSeconds: Math.round(policy.capacity / policy.perSecond),
    };
  });
  // The refused bucket decides; else the one with the least left.
  return decisions.sort((a, b) => Number(a.allowed) - Number(b.allowed) || a.remaining - b.remaining)[0]!;
}
