import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type Database } from "~/db/client";
import { userSessions, users } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { makeUser } from "~/testing/fixtures";
import { isSessionActive, openSession, revokeSession, revokeUserSessions } from "./session-store";

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

describe("the session list", () => {
  it("keeps a session active until it is revoked, then refuses it on every web process", async () => {
    const user = await makeUser(db);
    const sid = await openSession(db, user.id);
    expect(sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await isSessionActive(replica, sid, user.id)).toBe(true);

    await revokeSession(replica, sid);
    expect(await isSessionActive(db, sid, user.id)).toBe(false);
    expect(await isSessionActive(replica, sid, user.id)).toBe(false);
    // Signing out twice is not an error.
    await revokeSession(db, sid);
  });

  it("refuses a session for another user, an unknown id, an expired session and a deleted user's", async () => {
    const [alice, bob] = [await makeUser(db), await makeUser(db)];
    const sid = await openSession(db, alice.id);
    expect(await isSessionActive(db, sid, bob.id)).toBe(false);
    expect(await isSessionActive(db, "no-such-session", alice.id)).toBe(false);

    const expiring = await openSession(db, alice.id);
    await db
      .update(userSessions)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(userSessions.id, expiring));
    expect(await isSessionActive(db, expiring, alice.id)).toBe(false);
    expect(await isSessionActive(db, sid, alice.id)).toBe(true);

    await db.delete(users).where(eq(users.id, alice.id));
    expect(await isSessionActive(db, sid, alice.id)).toBe(false);
  });

  it("revokes every session of one user and leaves other users signed in", async () => {
    const [carol, dave] = [await makeUser(db), await makeUser(db)];
    const carols = [await openSession(db, carol.id), await openSession(db, carol.id)];
    const daves = await openSession(db, dave.id);
    expect(await revokeUserSessions(db, carol.id)).toBe(2);
    for (const sid of carols) expect(await isSessionActive(db, sid, carol.id)).toBe(false);
    expect(await isSessionActive(db, daves, dave.id)).toBe(true);
    expect(await revokeUserSessions(db, carol.id)).toBe(0);
  });

  it("drops expired rows at the next sign-in", async () => {
    const user = await makeUser(db);
    const old = await openSession(db, user.id);
    await db
      .update(userSessions)
      .set({ expiresAt: sql`now() - interval '1 hour'` })
      .where(eq(userSessions.id, old));
    await openSession(db, user.id);
    expect(await db.select().from(userSessions).where(eq(userSessions.id, old))).toEqual([]);
  });
});
