import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { memberships, teams, users } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createAuthChanges } from "./auth-changes";
import { openSession, revokeSession, revokeUserSessions } from "./session-store";
import { ViewerCache } from "./viewer-cache";

const viewer = (id: string): Viewer => ({ id, email: `${id}@x`, name: id, globalRole: null, teams: [] });

async function waitFor(check: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("the viewer cache (in memory)", () => {
  it("forgets entries after the TTL and keeps at most maxEntries, least recently used out first", () => {
    let now = 0;
    const cache = new ViewerCache({ ttlMs: 1_000, maxEntries: 2, now: () => now });
    cache.set("a", viewer("a"), cache.mark());
    cache.set("b", viewer("b"), cache.mark());
    expect(cache.get("a")?.id).toBe("a"); // a is now the most recently used
    cache.set("c", viewer("c"), cache.mark());
    expect(cache.get("b")).toBeUndefined();
    expect(cache.size).toBe(2);
    now = 1_000;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBeUndefined();
  });

  it("does not store a load that an invalidation overtook", () => {
    const cache = new ViewerCache({ ttlMs: 60_000, maxEntries: 10 });
    const mark = cache.mark();
    cache.invalidateUser("someone-else");
    cache.set("a", viewer("a"), mark);
    expect(cache.get("a")).toBeUndefined();
    cache.set("a", viewer("a"), cache.mark());
    expect(cache.get("a")?.id).toBe("a");
  });

  it("drops every session of a user on invalidation, and only theirs", () => {
    const cache = new ViewerCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.set("a1", viewer("a"), cache.mark());
    cache.set("a2", viewer("a"), cache.mark());
    cache.set("b", viewer("b"), cache.mark());
    cache.invalidateUser("a");
    expect([cache.get("a1"), cache.get("a2"), cache.get("b")?.id]).toEqual([undefined, undefined, "b"]);
  });
});

describe("the viewer cache fed by the database's auth notifications", () => {
  let db: Database;
  let url: string;
  const cache = new ViewerCache({ ttlMs: 60_000, maxEntries: 100 });
  let changes: ReturnType<typeof createAuthChanges>;

  beforeAll(async () => {
    ({ db, url } = await createTestDatabase());
    changes = createAuthChanges(url, cache);
    await waitFor(() => changes.listening(), "the LISTEN connection");
  });
  afterAll(() => changes.close());

  /**
   * Caches the user's real viewer under a fresh key and returns the key. A notification of an
   * earlier change (the fixtures' inserts) may still arrive and overtake the load, which the
   * cache rightly refuses to store: load again until one sticks.
   */
  async function cached(userId: string): Promise<string> {
    const key = `k-${Math.random()}`;
    await waitFor(async () => {
      const mark = cache.mark();
      cache.set(key, (await loadViewer(db, userId))!, mark);
      return cache.get(key) !== undefined;
    }, "a load no notification overtook");
    expect(cache.get(key)?.id).toBe(userId);
    return key;
  }

  /**
   * Waits until every notification committed so far has reached the cache: a fixture's own (a new
   * membership announces its user) may otherwise arrive after a viewer was cached and drop it. Ours,
   * sent last, arrives last (notifications come in commit order).
   */
  async function settled(): Promise<void> {
    const marker = `settled-${Math.random()}`;
    cache.set(marker, viewer(marker), cache.mark());
    await db.execute(sql`select pg_notify('provisio_auth', ${`user:${marker}`})`);
    await waitFor(() => cache.get(marker) === undefined, "the notifications sent before ours");
  }

  it("a signed-out or revoked session stops being served at once", async () => {
    const user = await makeUser(db);
    const sid = await openSession(db, user.id);
    const key = await cached(user.id);
    await revokeSession(db, sid);
    await waitFor(() => cache.get(key) === undefined, "sign-out to drop the viewer");

    await openSession(db, user.id);
    const again = await cached(user.id);
    await revokeUserSessions(db, user.id);
    await waitFor(() => cache.get(again) === undefined, "revocation to drop the viewer");
  });

  it("a removed membership, a new membership or a changed role drops the viewer", async () => {
    const user = await makeUser(db);
    const other = await makeUser(db);
    const team = await makeTeam(db, [
      { userId: user.id, role: "approver" },
      { userId: other.id, role: "member" },
    ]);
    await settled();
    const otherKey = await cached(other.id);

    let key = await cached(user.id);
    await db
      .update(memberships)
      .set({ role: "member" })
      .where(and(eq(memberships.teamId, team.id), eq(memberships.userId, user.id)));
    await waitFor(() => cache.get(key) === undefined, "role change to drop the viewer");
    expect((await loadViewer(db, user.id))!.teams[0]!.role).toBe("member");

    key = await cached(user.id);
    await db.delete(memberships).where(and(eq(memberships.teamId, team.id), eq(memberships.userId, user.id)));
    await waitFor(() => cache.get(key) === undefined, "membership removal to drop the viewer");

    key = await cached(user.id);
    await db.insert(memberships).values({ teamId: team.id, userId: user.id, role: "member" });
    await waitFor(() => cache.get(key) === undefined, "a new membership to drop the viewer");

    key = await cached(user.id);
    await db.update(users).set({ globalRole: "admin" }).where(eq(users.id, user.id));
    await waitFor(() => cache.get(key) === undefined, "a global role change to drop the viewer");
    // The other member was not touched by any of these.
    expect(cache.get(otherKey)?.id).toBe(other.id);

    await db
      .update(teams)
      .set({ name: sql`${teams.name} || ' renamed'` })
      .where(eq(teams.id, team.id));
    await waitFor(() => cache.get(otherKey) === undefined, "a team rename to drop its members' viewers");
  });

  it("a lost notification connection empties the cache and bypasses it until it listens again", async () => {
    const user = await makeUser(db);
    const key = await cached(user.id);
    await db.execute(
      sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'provisio-auth-changes' and datname = current_database()`,
    );
    await waitFor(() => !changes.listening(), "the connection loss to be noticed");
    expect(cache.get(key)).toBeUndefined();
    await waitFor(() => changes.listening(), "the connection to come back");
  });
});
