import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { users } from "~/db/schema";
import { createTestDatabase } from "~/testing/db";
import { makeUser } from "~/testing/fixtures";
import { ServiceError } from "~/server/core/errors";
import { findDemoUser, setGlobalRole, upsertOidcUser } from "./users";

let db: Database;
beforeAll(async () => {
  ({ db } = await createTestDatabase());
});

describe("OIDC sign-in creates or updates our user", () => {
  it("creates the user on first sign-in and finds the same one by subject later", async () => {
    const identity = { subject: "https://idp.test|abc", email: "Kim@Example.test", name: "Kim" };
    const id = await upsertOidcUser(db, identity, { adminEmails: [] });
    const again = await upsertOidcUser(db, { ...identity, name: "Kim Park" }, { adminEmails: [] });
    expect(again).toBe(id);
    const [row] = await db.select().from(users).where(eq(users.id, id));
    expect(row).toMatchObject({ email: "kim@example.test", name: "Kim Park", globalRole: null, oidcSubject: identity.subject });
    expect(row?.lastSignInAt).toBeInstanceOf(Date);
  });

  it("links an existing account with the same email instead of creating a second one", async () => {
    const existing = await makeUser(db);
    const id = await upsertOidcUser(db, { subject: "https://idp.test|link", email: existing.email, name: "Linked" }, { adminEmails: [] });
    expect(id).toBe(existing.id);
  });

  it("makes emails listed in PROVISIO_ADMIN_EMAILS admins on creation", async () => {
    const id = await upsertOidcUser(
      db,
      { subject: "https://idp.test|root", email: "boss@example.test", name: "Boss" },
      { adminEmails: ["boss@example.test"] },
    );
    const [row] = await db.select().from(users).where(eq(users.id, id));
    expect(row?.globalRole).toBe("admin");
  });
});

describe("demo sign-in", () => {
  it("only finds seeded demo users", async () => {
    const normal = await makeUser(db);
    expect(await findDemoUser(db, normal.email)).toBeNull();
    await db.update(users).set({ isDemo: true }).where(eq(users.id, normal.id));
    expect((await findDemoUser(db, normal.email))?.id).toBe(normal.id);
  });
});

describe("global roles", () => {
  it("an admin cannot remove their own admin role", async () => {
    const admin = await makeUser(db, { globalRole: "admin" });
    const error = (await setGlobalRole(db, { id: admin.id, label: admin.email }, { userId: admin.id, globalRole: null }).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.field).toBe("globalRole");
    const [row] = await db.select().from(users).where(eq(users.id, admin.id));
    expect(row?.globalRole).toBe("admin");
  });
});
