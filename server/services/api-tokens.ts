/**
 * API tokens: personal tokens act as their user, capped by their scopes; team service tokens act
 * as a robot user with a role in one team. A token is `pvo_` + 43 base64url characters (256
 * random bits): only its SHA-256 is stored (enough for a high-entropy secret, and fast), it is
 * shown once, and it is found by its hash and compared in constant time. Creation, first use
 * from an address, refused use (revoked, expired) and revocation are audited.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "~/db/client";
import { apiSettings, apiTokens, teams, users } from "~/db/schema";
import { canManageServiceTokens, isAdmin, personalTokenScopesFor } from "~/server/access/rules";
import { recordAudit } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { serviceTokenScopes, type TokenScope } from "~/server/schemas/api-tokens";
import { actorOf, loadViewer, type Viewer } from "./users";

export const tokenPrefix = "pvo_";
const tokenShape = /^pvo_[A-Za-z0-9_-]{43}$/;

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** A new token, its display prefix and its hash. */
export function generateToken() {
  const token = tokenPrefix + randomBytes(32).toString("base64url");
  return { token, prefix: token.slice(0, 12), hash: hashToken(token) };
}

export async function tokenSettings(db: Database) {
  const [row] = await db.select().from(apiSettings).where(eq(apiSettings.id, 1));
  return { maxTokenDays: row?.maxTokenDays ?? 90 };
}

/** Admins set the longest lifetime a new token may have. */
export async function setTokenSettings(db: Database, viewer: Viewer, input: { maxTokenDays: number }) {
  if (!isAdmin(viewer)) throw new ServiceError("forbidden", "This needs the admin role.");
  await db.transaction(async (tx) => {
    const before = await tokenSettings(tx as unknown as Database);
    await tx
      .insert(apiSettings)
      .values({ id: 1, maxTokenDays: input.maxTokenDays })
      .onConflictDoUpdate({ target: apiSettings.id, set: { maxTokenDays: input.maxTokenDays, updatedAt: new Date() } });
    await recordAudit(tx, actorOf(viewer), { action: "api_settings.updated", subjectType: "api_settings", subjectId: "1", before, after: input });
  });
  return tokenSettings(db);
}

async function expiryFor(db: Database, days: number, now: Date) {
  const { maxTokenDays } = await tokenSettings(db);
  if (days > maxTokenDays)
    throw new ServiceError("invalid", `Tokens may live at most ${maxTokenDays} days (set by the admins).`, "expiresInDays", {
      expiresInDays: [`at most ${maxTokenDays} days`],
    });
  return new Date(now.getTime() + days * 86_400_000);
}

function refuseScopes(extra: string[], why: string): never {
  throw new ServiceError("invalid", `Scope ${extra.join(", ")} is not allowed: ${why}`, "scopes", { scopes: [why] });
}

/** The columns a token list shows: never the hash. */
const listed = {
  id: apiTokens.id,
  kind: apiTokens.kind,
  name: apiTokens.name,
  prefix: apiTokens.prefix,
  teamId: apiTokens.teamId,
  teamRole: apiTokens.teamRole,
  scopes: apiTokens.scopes,
  expiresAt: apiTokens.expiresAt,
  lastUsedAt: apiTokens.lastUsedAt,
  lastUsedIp: apiTokens.lastUsedIp,
  revokedAt: apiTokens.revokedAt,
  createdAt: apiTokens.createdAt,
};

export async function createPersonalToken(
  db: Database,
  viewer: Viewer,
  input: { name: string; scopes: TokenScope[]; expiresInDays: number },
  now = new Date(),
) {
  const allowed = personalTokenScopesFor(viewer);
  const extra = input.scopes.filter((s) => !allowed.includes(s));
  if (extra.length > 0) refuseScopes(extra, `your roles allow ${allowed.join(", ")}`);
  const expiresAt = await expiryFor(db, input.expiresInDays, now);
  const secret = generateToken();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({
        kind: "personal",
        name: input.name,
        prefix: secret.prefix,
        tokenHash: secret.hash,
        userId: viewer.id,
        scopes: input.scopes,
        createdById: viewer.id,
        expiresAt,
      })
      .returning(listed);
    if (!row) throw new Error("token insert returned nothing");
    await recordAudit(tx, actorOf(viewer), {
      action: "api_token.created",
      subjectType: "api_token",
      subjectId: row.id,
      after: { kind: "personal", name: input.name, prefix: secret.prefix, scopes: input.scopes, expiresAt },
    });
    return { ...row, token: secret.token };
  });
}

export async function createServiceToken(
  db: Database,
  viewer: Viewer,
  input: { teamId: string; name: string; role: "member" | "approver"; scopes: TokenScope[]; expiresInDays: number },
  now = new Date(),
) {
  if (!canManageServiceTokens(viewer, input.teamId)) throw new ServiceError("forbidden", "This needs the approver role in the team.");
  const extra = input.scopes.filter((s) => !(serviceTokenScopes as readonly string[]).includes(s));
  if (extra.length > 0) refuseScopes(extra, "service tokens may carry read, request and destroy (a robot never approves)");
  const expiresAt = await expiryFor(db, input.expiresInDays, now);
  const secret = generateToken();
  return db.transaction(async (tx) => {
    const team = await tx.query.teams.findFirst({ where: eq(teams.id, input.teamId) });
    if (!team) throw notFound("Team");
    const [robot] = await tx
      .insert(users)
      .values({
        email: `svc-${secret.prefix.slice(4).toLowerCase()}-${team.slug}@service-accounts.provisio.invalid`,
        name: `${input.name} (service token of ${team.name})`,
        isServiceAccount: true,
      })
      .returning();
    if (!robot) throw new Error("robot insert returned nothing");
    const [row] = await tx
      .insert(apiTokens)
      .values({
        kind: "service",
        name: input.name,
        prefix: secret.prefix,
        tokenHash: secret.hash,
        userId: robot.id,
        teamId: team.id,
        teamRole: input.role,
        scopes: input.scopes,
        createdById: viewer.id,
        expiresAt,
      })
      .returning(listed);
    if (!row) throw new Error("token insert returned nothing");
    await recordAudit(tx, actorOf(viewer), {
      action: "api_token.created",
      subjectType: "api_token",
      subjectId: row.id,
      teamId: team.id,
      after: { kind: "service", name: input.name, prefix: secret.prefix, role: input.role, scopes: input.scopes, expiresAt, robotUserId: robot.id },
    });
    return { ...row, token: secret.token };
  });
}

export async function listPersonalTokens(db: Database, viewer: Viewer) {
  return db
    .select(listed)
    .from(apiTokens)
    .where(and(eq(apiTokens.kind, "personal"), eq(apiTokens.userId, viewer.id)))
    .orderBy(desc(apiTokens.createdAt));
}

export async function listServiceTokens(db: Database, teamId: string) {
  return db
    .select(listed)
    .from(apiTokens)
    .where(and(eq(apiTokens.kind, "service"), eq(apiTokens.teamId, teamId)))
    .orderBy(desc(apiTokens.createdAt));
}

/** Personal tokens: their owner or an admin. Service tokens: the team's approvers and admins. Others: not found. */
export async function revokeToken(db: Database, viewer: Viewer, tokenId: string, now = new Date()) {
  return db.transaction(async (tx) => {
    const [token] = await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId)).for("update");
    const may =
      token && (token.kind === "personal" ? token.userId === viewer.id || isAdmin(viewer) : canManageServiceTokens(viewer, token.teamId ?? ""));
    if (!token || !may) throw notFound("Token");
    if (token.revokedAt) return { id: token.id, revokedAt: token.revokedAt, alreadyRevoked: true };
    await tx.update(apiTokens).set({ revokedAt: now, revokedById: viewer.id }).where(eq(apiTokens.id, token.id));
    await recordAudit(tx, actorOf(viewer), {
      action: "api_token.revoked",
      subjectType: "api_token",
      subjectId: token.id,
      teamId: token.teamId,
      after: { kind: token.kind, name: token.name, prefix: token.prefix },
    });
    return { id: token.id, revokedAt: now, alreadyRevoked: false };
  });
}

export type TokenIdentity = { id: string; kind: "personal" | "service"; name: string; scopes: TokenScope[]; userId: string };
export type Authentication =
  | { ok: true; viewer: Viewer; token: TokenIdentity }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" | "expired" | "no_user"; message: string };

/**
 * The viewer a token acts as. Personal: the user as they are now (role changes apply at once),
 * without the admin role unless the token has the admin scope. Service: the robot with its one
 * team and role.
 */
async function tokenViewer(db: Database, token: typeof apiTokens.$inferSelect): Promise<Viewer | null> {
  const via = { tokenId: token.id, tokenName: token.name };
  if (token.kind === "service") {
    const [row] = await db
      .select({ email: users.email, name: users.name, slug: teams.slug, teamName: teams.name })
      .from(users)
      .innerJoin(teams, eq(teams.id, token.teamId ?? ""))
      .where(eq(users.id, token.userId));
    if (!row || !token.teamId || !token.teamRole) return null;
    return {
      id: token.userId,
      email: row.email,
      name: row.name,
      globalRole: null,
      teams: [{ id: token.teamId, slug: row.slug, name: row.teamName, role: token.teamRole }],
      via,
    };
  }
  const viewer = await loadViewer(db, token.userId);
  if (!viewer) return null;
  const capped = viewer.globalRole === "admin" && !token.scopes.includes("admin") ? null : viewer.globalRole;
  return { ...viewer, globalRole: capped, via };
}

const usageAuditInterval = 60 * 60_000;

/** Checks a bearer token; records last use (and audits the first use from an address, at most hourly). */
export async function authenticateToken(db: Database, raw: string, ip: string | null, now = new Date()): Promise<Authentication> {
  if (!tokenShape.test(raw)) return { ok: false, reason: "malformed", message: "The token is malformed: expected pvo_ followed by 43 characters." };
  const hash = hashToken(raw);
  const [token] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash));
  // The lookup is by hash; the constant-time compare keeps the decision itself free of timing.
  if (!token || !timingSafeEqual(Buffer.from(token.tokenHash, "hex"), Buffer.from(hash, "hex")))
    return { ok: false, reason: "unknown", message: "The token is not known (never issued, or its team was removed)." };
  const refuse = async (reason: "revoked" | "expired", message: string): Promise<Authentication> => {
    await recordAudit(
      db,
      { id: token.userId, label: `token "${token.name}"`, tokenId: token.id },
      {
        action: "api_token.refused",
        subjectType: "api_token",
        subjectId: token.id,
        teamId: token.teamId,
        after: { reason, ip },
      },
    );
    return { ok: false, reason, message };
  };
  if (token.revokedAt) return refuse("revoked", `The token was revoked at ${token.revokedAt.toISOString()}.`);
  if (token.expiresAt <= now) return refuse("expired", `The token expired at ${token.expiresAt.toISOString()}.`);
  const viewer = await tokenViewer(db, token);
  if (!viewer) return { ok: false, reason: "no_user", message: "The token's user no longer exists." };
  const stale = !token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > 60_000 || token.lastUsedIp !== ip;
  if (stale) {
    await db.transaction(async (tx) => {
      await tx
        .update(apiTokens)
        .set({ lastUsedAt: now, lastUsedIp: ip })
        .where(and(eq(apiTokens.id, token.id), isNull(apiTokens.revokedAt)));
      if (!token.lastUsedAt || token.lastUsedIp !== ip || now.getTime() - token.lastUsedAt.getTime() > usageAuditInterval)
        await recordAudit(tx, actorOf(viewer), {
          action: "api_token.used",
          subjectType: "api_token",
          subjectId: token.id,
          teamId: token.teamId,
          after: { ip, previousUseAt: token.lastUsedAt },
        });
    });
  }
  return {
    ok: true,
    viewer,
    token: { id: token.id, kind: token.kind, name: token.name, scopes: token.scopes as TokenScope[], userId: token.userId },
  };
}
