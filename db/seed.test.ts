import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import type { Database } from "./client";
import { memberships, teams, users } from "./schema";
import { demoUsers, seedDemoData } from "./seed";

let db: Database;
beforeAll(async () => {
  ({ db } = await createTestDatabase());
});

describe("demo seed", () => {
  it("refuses to run outside demo mode and writes nothing", async () => {
    await expect(seedDemoData(db, { demo: false })).rejects.toThrow(/not a demo install/);
    expect(await db.select().from(users)).toHaveLength(0);
  });

  it("creates a user per persona and two teams with budgets, once", async () => {
    const first = await seedDemoData(db, { demo: true });
    expect(first.inserted).toBeGreaterThan(0);
    const second = await seedDemoData(db, { demo: true });
    expect(second.inserted).toBe(0);
    const rows = await db.select().from(users);
    expect(rows.map((u) => u.email).sort()).toEqual(demoUsers.map((u) => u.email).sort());
    expect(new Set(rows.map((u) => u.globalRole))).toEqual(new Set([null, "admin", "auditor"]));
    const teamRows = await db.select().from(teams);
    expect(teamRows.length).toBeGreaterThanOrEqual(2);
    expect(teamRows.every((t) => t.monthlyBudgetCents > 0)).toBe(true);
    const roles = (await db.select().from(memberships)).map((m) => m.role);
    expect(roles).toContain("approver");
    expect(roles).toContain("member");
  });
});
