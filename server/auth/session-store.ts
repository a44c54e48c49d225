/**
 * The server-side list of sessions behind the session cookies: a cookie is only as good as its
 * row, so signing out (or revoking a user's sessions) takes effect on every web process at once.
 */
import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { userSessions } from "~/db/schema";

/** A session lasts this long after sign-in (the cookie's lifetime too). */
export const SESSION_MAX_AGE_S = 8 * 60 * 60;

/** Records a new session for `userId` and returns its id (to keep inside the session cookie). */
export async function openSession(db: Database, userId: string, maxAgeS = SESSION_MAX_AGE_S): Promise<string> {
  const id = randomBytes(32).toString("base64url");
  await db.insert(userSessions).values({ id, userId, expiresAt: sql`now() + make_interval(secs => ${maxAgeS})` });
  // Sign-ins are rare: a good moment to drop rows that can no longer matter.
  await db.delete(userSessions).where(or(lt(userSessions.expiresAt, sql`now()`), lt(userSessions.revokedAt, sql`now() - interval '1 day'`)));
  return id;
}

/** True while the session exists for this user, is not revoked and has not expired (database clock). */
export async function isSessionActive(db: Database, sessionId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(
      and(eq(userSessions.id, sessionId), eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, sql`now()`)),
    );
  return Boolean(row);
}

/** Ends one session (sign-out). Unknown or already revoked ids are fine: signing out twice is not an error. */
export async function revokeSession(db: Database, sessionId: string): Promise<void> {
  await db
    .update(userSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(userSessions.id, sessionId), isNull(userSessions.revokedAt)));
}

/** Ends every session of a user (e.g. an account that must be locked out now); returns how many. */
export async function revokeUserSessions(db: Database, userId: string): Promise<number> {
  const ended = await db
    .update(userSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt)))
    .returning({ id: userSessions.id });
  return ended.length;
}
