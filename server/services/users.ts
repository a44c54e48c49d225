import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { memberships, teams, users, type GlobalRole, type MembershipRole } from "~/db/schema";
import { recordAudit, type Actor } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";

export type Viewer = {
  id: string;
  email: string;
  name: string;
  globalRole: GlobalRole | null;
  teams: { id: string; slug: string; name: string; role: MembershipRole }[];
  /** Set when the caller came through an API token (/api/v1): audited with the token's identity. */
  via?: { tokenId: string; tokenName: string };
};

/** The signed-in user with their memberships: loaded per request so role changes apply at once. */
export async function loadViewer(db: Database, userId: string): Promise<Viewer | null> {
  const user = await db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!user) return null;
  const rows = await db
    .select({ id: teams.id, slug: teams.slug, name: teams.name, role: memberships.role })
    .from(memberships)
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(teams.name));
  return { id: user.id, email: user.email, name: user.name, globalRole: user.globalRole, teams: rows };
}

export function actorOf(viewer: Pick<Viewer, "id" | "email" | "via">): Actor {
  if (viewer.via) return { id: viewer.id, label: `${viewer.email} (token "${viewer.via.tokenName}")`, tokenId: viewer.via.tokenId };
  return { id: viewer.id, label: viewer.email };
}

/**
 * First and later OIDC sign-ins: find the user by issuer+subject, else link the account with
 * the same email, else create it. Emails listed in PROVISIO_ADMIN_EMAILS become admins on creation.
 */
export async function upsertOidcUser(
  db: Database,
  identity: { subject: string; email: string; name: string },
  options: { adminEmails: string[] },
): Promise<string> {
  const email = identity.email.toLowerCase();
  return db.transaction(async (tx) => {
    const bySubject = await tx.query.users.findFirst({ where: eq(users.oidcSubject, identity.subject) });
    const existing = bySubject ?? (await tx.query.users.findFirst({ where: sql`lower(${users.email}) = ${email}` }));
    if (existing) {
      await tx
        .update(users)
        .set({ oidcSubject: identity.subject, name: identity.name, email, lastSignInAt: new Date(), updatedAt: new Date() })
        .where(eq(users.id, existing.id));
      return existing.id;
    }
    const globalRole: GlobalRole | null = options.adminEmails.includes(email) ? "admin" : null;
    const [created] = await tx
      .insert(users)
      .values({ email, name: identity.name, oidcSubject: identity.subject, globalRole, lastSignInAt: new Date() })
      .returning();
    if (!created) throw new Error("user insert returned nothing");
    await recordAudit(
      tx,
      { id: created.id, label: email },
      {
        action: "user.created",
        subjectType: "user",
        subjectId: created.id,
        after: { email, name: identity.name, globalRole, via: "oidc" },
      },
    );
    return created.id;
  });
}

/** Demo sign-in: only seeded demo users, and only when demo sign-in is enabled (checked by the caller). */
export async function findDemoUser(db: Database, email: string) {
  const user = await db.query.users.findFirst({
    where: and(sql`lower(${users.email}) = ${email.toLowerCase()}`, eq(users.isDemo, true)),
  });
  if (!user) return null;
  await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
  return user;
}

export async function listDemoUsers(db: Database) {
  const rows = await db
    .select({ email: users.email, name: users.name, globalRole: users.globalRole })
    .from(users)
    .where(eq(users.isDemo, true))
    .orderBy(asc(users.email));
  const teamRows = await db
    .select({ email: users.email, team: teams.name, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(teams, eq(teams.id, memberships.teamId))
    .where(eq(users.isDemo, true));
  return rows.map((u) => ({ ...u, teams: teamRows.filter((t) => t.email === u.email).map((t) => ({ name: t.team, role: t.role })) }));
}

export async function listUsers(db: Database) {
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      globalRole: users.globalRole,
      lastSignInAt: users.lastSignInAt,
      teamCount: sql<number>`(select count(*)::int from ${memberships} m where m.user_id = ${users.id})`,
    })
    .from(users)
    .orderBy(asc(users.name));
  return rows;
}

export async function setGlobalRole(db: Database, actor: Actor, input: { userId: string; globalRole: GlobalRole | null }) {
  if (actor.id === input.userId && input.globalRole !== "admin") {
    throw new ServiceError("invalid", "You cannot remove your own admin role; ask another admin.", "globalRole");
  }
  return db.transaction(async (tx) => {
    const before = await tx.query.users.findFirst({ where: eq(users.id, input.userId) });
    if (!before) throw notFound("User");
    if (before.globalRole === input.globalRole) return { changed: false };
    await tx.update(users).set({ globalRole: input.globalRole, updatedAt: new Date() }).where(eq(users.id, input.userId));
    await recordAudit(tx, actor, {
      action: "user.global_role_changed",
      subjectType: "user",
      subjectId: input.userId,
      before: { email: before.email, globalRole: before.globalRole },
      after: { email: before.email, globalRole: input.globalRole },
    });
    return { changed: true };
  });
}
