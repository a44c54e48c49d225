import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type Database } from "~/db/client";
import { signInThrottle } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { admitSignIn, clientAddress, recordSignInFailure, SignInThrottledError, type SignInLimits } from "./sign-in-throttle";

let db: Database;
/** A second connection pool: another web process sharing the database. */
let replica: Database;

beforeAll(async () => {
  const created = await createTestDatabase();
  db = created.db;
  const second = connect(`${created.url}?application_name=replica`, 4);
  replica = second.db;
  return () => second.pool.end();
});

const limits: SignInLimits = { failuresPerEmail: 3, failuresPerAddress: 5, attemptsPerAddress: 8 };
const address = () => `198.51.100.${Math.floor(Math.random() * 250)}-${randomUUID().slice(0, 8)}`;
const email = () => `someone-${randomUUID().slice(0, 8)}@example.test`;

/** Ends the current window for every key, as if the minute had passed. */
async function endWindows() {
  await db.update(signInThrottle).set({ windowStartedAt: sql`now() - interval '61 seconds'` });
}

async function refusal(promise: Promise<void>): Promise<SignInThrottledError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignInThrottledError);
  return error as SignInThrottledError;
}

describe("sign-in throttling", () => {
  it("refuses an email after N failures in a minute, on every web process, and admits it again in the next minute", async () => {
    const who = { email: email(), address: address() };
    for (let i = 0; i < limits.failuresPerEmail; i++) {
      await admitSignIn(i % 2 ? db : replica, who, limits);
      await recordSignInFailure(i % 2 ? replica : db, who);
    }
    // From another address too: the limit is the email's.
    const refused = await refusal(admitSignIn(replica, { email: who.email.toUpperCase(), address: address() }, limits));
    expect(refused.message).toBe("SignInThrottled");
    expect(refused.reason).toBe("3 failed sign-ins for this email in the last minute");
    expect(refused.retryAfterS).toBeGreaterThan(0);
    expect(refused.retryAfterS).toBeLessThanOrEqual(60);
    // Another email from the same address is still fine.
    await admitSignIn(db, { email: email(), address: who.address }, limits);

    await endWindows();
    await admitSignIn(db, who, limits);
  });

  it("refuses an address after its failures, whatever email it tries next", async () => {
    const from = address();
    for (let i = 0; i < limits.failuresPerAddress; i++) {
      const who = { email: email(), address: from };
      await admitSignIn(db, who, limits);
      await recordSignInFailure(db, who);
    }
    const refused = await refusal(admitSignIn(replica, { email: email(), address: from }, limits));
    expect(refused.reason).toBe(`5 failed sign-ins from ${from} in the last minute`);
    // Failures without a usable email count against the address only.
    const other = address();
    await recordSignInFailure(db, { email: null, address: other });
    await admitSignIn(db, { email: null, address: other }, limits);
  });

  it("caps attempts per address even when every attempt succeeds, exactly, under parallel attempts from two processes", async () => {
    const from = address();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => admitSignIn(i % 2 ? db : replica, { email: email(), address: from }, limits)),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(limits.attemptsPerAddress);
    const reasons = outcomes.flatMap((o) => (o.status === "rejected" ? [(o.reason as SignInThrottledError).reason] : []));
    expect(new Set(reasons)).toEqual(new Set([`more than 8 sign-in attempts a minute from ${from}`]));

    await endWindows();
    await admitSignIn(db, { email: email(), address: from }, limits);
  });

  it("takes the client address from the last X-Forwarded-For entry, bounded", () => {
    expect(clientAddress({ "x-forwarded-for": "203.0.113.9, 10.0.0.1" })).toBe("10.0.0.1");
    expect(clientAddress({ "x-forwarded-for": "::ffff:127.0.0.1" })).toBe("::ffff:127.0.0.1");
    expect(clientAddress({})).toBe("unknown");
    expect(clientAddress(undefined)).toBe("unknown");
    expect(clientAddress({ "x-forwarded-for": "x".repeat(10_000) })).toHaveLength(64);
  });
});
