import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import type { Database } from "~/db/client";
import { apiTokens, auditEvents } from "~/db/schema";
import { ServiceError } from "~/server/core/errors";
import { authenticateToken, createPersonalToken, createServiceToken, generateToken, hashToken, revokeToken, setTokenSettings } from "./api-tokens";
import { loadViewer, type Viewer } from "./users";

let db: Database;
let dev: Viewer;
let admin: Viewer;
let approver: Viewer;
let auditor: Viewer;
let teamId: string;

const viewer = async (id: string) => (await loadViewer(db, id))!;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const [d, a, ap, au] = await Promise.all([
    makeUser(db),
    makeUser(db, { globalRole: "admin" }),
    makeUser(db),
    makeUser(db, { globalRole: "auditor" }),
  ]);
  const team = await makeTeam(db, [
    { userId: d.id, role: "member" },
    { userId: ap.id, role: "approver" },
  ]);
  teamId = team.id;
  [dev, admin, approver, auditor] = await Promise.all([viewer(d.id), viewer(a.id), viewer(ap.id), viewer(au.id)]);
});

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error("expected a ServiceError");
};

describe("token secrets", () => {
  it("are pvo_ + 256 random bits, stored as their SHA-256 only", async () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).toMatch(/^pvo_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    const created = await createPersonalToken(db, dev, { name: "ci", scopes: ["read"], expiresInDays: 30 });
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(row!.tokenHash).toBe(hashToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect(created.prefix).toBe(created.token.slice(0, 12));
  });
});

describe("authentication", () => {
  it("accepts a valid token, acts as its user, records last use and audits it with the token id", async () => {
    const { token, id } = await createPersonalToken(db, dev, { name: "laptop", scopes: ["read", "request"], expiresInDays: 7 });
    const result = await authenticateToken(db, token, "10.0.0.7");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.viewer.id).toBe(dev.id);
    expect(result.viewer.via).toEqual({ tokenId: id, tokenName: "laptop" });
    expect(result.token.scopes).toEqual(["read", "request"]);
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(row!.lastUsedIp).toBe("10.0.0.7");
    expect(row!.lastUsedAt).not.toBeNull();
    const used = await db.select().from(auditEvents).where(eq(auditEvents.subjectId, id));
    expect(used.find((e) => e.action === "api_token.used")?.actorTokenId).toBe(id);
  });

  it("refuses malformed and unknown tokens with the reason", async () => {
    expect(await authenticateToken(db, "hello", null)).toMatchObject({ ok: false, reason: "malformed" });
    expect(await authenticateToken(db, generateToken().token, null)).toMatchObject({ ok: false, reason: "unknown" });
  });

  it("refuses an expired token, and audits the refusal", async () => {
    const now = new Date();
    const { token, id } = await createPersonalToken(db, dev, { name: "short", scopes: ["read"], expiresInDays: 1 }, now);
    const later = new Date(now.getTime() + 86_400_000 + 1);
    expect(await authenticateToken(db, token, null, later)).toMatchObject({ ok: false, reason: "expired" });
    const events = await db.select().from(auditEvents).where(eq(auditEvents.subjectId, id));
    expect(events.map((e) => e.action)).toContain("api_token.refused");
  });

  it("refuses a revoked token; only its owner or an admin may revoke it, others are told it does not exist", async () => {
    const { token, id } = await createPersonalToken(db, dev, { name: "revoke me", scopes: ["read"], expiresInDays: 1 });
    expect((await failure(revokeToken(db, approver, id))).kind).toBe("not_found");
    expect((await authenticateToken(db, token, null)).ok).toBe(true);
    expect(await revokeToken(db, dev, id)).toMatchObject({ alreadyRevoked: false });
    expect(await authenticateToken(db, token, null)).toMatchObject({ ok: false, reason: "revoked" });
    expect(await revokeToken(db, admin, id)).toMatchObject({ alreadyRevoked: true });
    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.subjectId, id))).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["api_token.created", "api_token.revoked", "api_token.refused"]));
  });
});

describe("scope capping", () => {
  it("never gives a personal token more than its user's roles", async () => {
    expect((await failure(createPersonalToken(db, dev, { name: "x", scopes: ["read", "admin"], expiresInDays: 1 }))).field).toBe("scopes");
    expect((await failure(createPersonalToken(db, dev, { name: "x", scopes: ["approve"], expiresInDays: 1 }))).field).toBe("scopes");
    expect((await failure(createPersonalToken(db, auditor, { name: "x", scopes: ["request"], expiresInDays: 1 }))).field).toBe("scopes");
    await expect(createPersonalToken(db, approver, { name: "x", scopes: ["approve"], expiresInDays: 1 })).resolves.toBeTruthy();
  });

  it("acts as a non-admin when an admin's token lacks the admin scope", async () => {
    const plain = await createPersonalToken(db, admin, { name: "plain", scopes: ["read"], expiresInDays: 1 });
    const full = await createPersonalToken(db, admin, { name: "full", scopes: ["read", "admin"], expiresInDays: 1 });
    expect(await authenticateToken(db, plain.token, null)).toMatchObject({ ok: true, viewer: { globalRole: null } });
    expect(await authenticateToken(db, full.token, null)).toMatchObject({ ok: true, viewer: { globalRole: "admin" } });
  });

  it("caps expiry at the admins' maximum", async () => {
    await setTokenSettings(db, admin, { maxTokenDays: 10 });
    const error = await failure(createPersonalToken(db, dev, { name: "x", scopes: ["read"], expiresInDays: 11 }));
    expect(error.field).toBe("expiresInDays");
    expect(error.message).toMatch(/at most 10 days/);
    expect((await failure(setTokenSettings(db, dev, { maxTokenDays: 1000 }))).kind).toBe("forbidden");
    await setTokenSettings(db, admin, { maxTokenDays: 90 });
  });
});

describe("service tokens", () => {
  it("act as a robot with a role in one team, never approve, and are managed by the team's approvers", async () => {
    expect((await failure(createServiceToken(db, dev, { teamId, name: "ci", role: "member", scopes: ["read"], expiresInDays: 1 }))).kind).toBe(
      "forbidden",
    );
    const approve = await failure(createServiceToken(db, approver, { teamId, name: "ci", role: "member", scopes: ["approve"], expiresInDays: 1 }));
    expect(approve.field).toBe("scopes");
    const created = await createServiceToken(db, approver, { teamId, name: "ci", role: "member", scopes: ["read", "request"], expiresInDays: 1 });
    const result = await authenticateToken(db, created.token, null);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.viewer.id).not.toBe(approver.id);
    expect(result.viewer.globalRole).toBeNull();
    expect(result.viewer.teams).toEqual([expect.objectContaining({ id: teamId, role: "member" })]);
    expect((await failure(revokeToken(db, dev, created.id))).kind).toBe("not_found");
    await revokeToken(db, admin, created.id);
  });
});
