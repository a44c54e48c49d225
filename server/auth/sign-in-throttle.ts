/**
 * Sign-in throttling, shared in PostgreSQL so every web process agrees: per client address a cap
 * on attempts, and per email and per address a cap on failures, each in a fixed one-minute window.
 * Over a cap, sign-in is refused before the credentials are even looked at.
 */
import { lt, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { signInThrottle } from "~/db/schema";

export type SignInLimits = {
  /** Failed sign-ins per email per minute. */
  failuresPerEmail: number;
  /** Failed sign-ins per client address per minute. */
  failuresPerAddress: number;
  /** Sign-in attempts (failed or not) per client address per minute. */
  attemptsPerAddress: number;
};

export type SignInKey = { email: string | null; address: string };

/** The code next-auth carries to the sign-in page (`/signin?error=SignInThrottled`). */
export const SIGN_IN_THROTTLED = "SignInThrottled";

export class SignInThrottledError extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterS: number,
  ) {
    super(SIGN_IN_THROTTLED);
    this.name = "SignInThrottledError";
  }
}

const windowSql = sql`interval '1 minute'`;

const keys = (who: SignInKey) => ({
  attempts: `attempts:${who.address}`,
  emailFailures: who.email ? `failures:email:${who.email.toLowerCase()}` : null,
  addressFailures: `failures:address:${who.address}`,
});

/** Adds one to a counter, starting a fresh window when the last one is over; returns the count and seconds left. */
function bump(key: string) {
  return sql`
    insert into ${signInThrottle} (key, window_started_at, count) values (${key}, now(), 1)
    on conflict (key) do update set
      count = case when ${signInThrottle.windowStartedAt} <= now() - ${windowSql} then 1 else ${signInThrottle.count} + 1 end,
      window_started_at = case when ${signInThrottle.windowStartedAt} <= now() - ${windowSql} then now() else ${signInThrottle.windowStartedAt} end
    returning count, ceil(extract(epoch from window_started_at + ${windowSql} - now()))::int as seconds_left`;
}

/**
 * Counts this attempt and refuses it (SignInThrottledError) when the address made too many
 * attempts or the email or address had too many failures in the current window.
 */
export async function admitSignIn(db: Database, who: SignInKey, limits: SignInLimits): Promise<void> {
  const k = keys(who);
  const { rows } = await db.execute<{
    attempts: number;
    attempts_left_s: number;
    email_failures: number;
    email_left_s: number;
    address_failures: number;
    address_left_s: number;
  }>(sql`
    with hit as (${bump(k.attempts)}),
    failures as (
      select key, count, ceil(extract(epoch from window_started_at + ${windowSql} - now()))::int as seconds_left
      from ${signInThrottle}
      where key in (${k.emailFailures ?? ""}, ${k.addressFailures}) and window_started_at > now() - ${windowSql}
    )
    select
      (select count from hit) as attempts,
      (select seconds_left from hit) as attempts_left_s,
      coalesce((select count from failures where key = ${k.emailFailures ?? ""}), 0) as email_failures,
      coalesce((select seconds_left from failures where key = ${k.emailFailures ?? ""}), 0) as email_left_s,
      coalesce((select count from failures where key = ${k.addressFailures}), 0) as address_failures,
      coalesce((select seconds_left from failures where key = ${k.addressFailures}), 0) as address_left_s`);
  const row = rows[0]!;
  if (row.attempts > limits.attemptsPerAddress)
    throw new SignInThrottledError(`more than ${limits.attemptsPerAddress} sign-in attempts a minute from ${who.address}`, row.attempts_left_s);
  if (row.email_failures >= limits.failuresPerEmail)
    throw new SignInThrottledError(`${row.email_failures} failed sign-ins for this email in the last minute`, row.email_left_s);
  if (row.address_failures >= limits.failuresPerAddress)
    throw new SignInThrottledError(`${row.address_failures} failed sign-ins from ${who.address} in the last minute`, row.address_left_s);
}

/** Records a failed sign-in against the email and the address. */
export async function recordSignInFailure(db: Database, who: SignInKey): Promise<void> {
  const k = keys(who);
  if (k.emailFailures) await db.execute(bump(k.emailFailures));
  await db.execute(bump(k.addressFailures));
  // Failures are the rare path: drop windows that ended long ago so the table stays small.
  await db.delete(signInThrottle).where(lt(signInThrottle.windowStartedAt, sql`now() - interval '1 hour'`));
}

/**
 * The client address of a request: the last X-Forwarded-For entry (added by the proxy in front,
 * or by Next.js from the socket when there is none), bounded so a header cannot grow the key.
 */
export function clientAddress(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  const value = Array.isArray(forwarded) ? forwarded.join(",") : typeof forwarded === "string" ? forwarded : "";
  const last = value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .pop();
  return (last ?? "unknown").slice(0, 64);
}
