import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import type { Database } from "./client";
import { auditEvents } from "./schema";

let db: Database;
beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await db.insert(auditEvents).values({ actorLabel: "system", action: "test.event", subjectType: "test", subjectId: "1" });
});

describe("audit_events is append-only in the database itself", () => {
  it.each([
    ["UPDATE", sql`update audit_events set action = 'rewritten'`],
    ["DELETE", sql`delete from audit_events`],
    ["TRUNCATE", sql`truncate audit_events`],
  ])("refuses %s", async (op, statement) => {
    const error = (await db.execute(statement).catch((e: unknown) => e)) as Error & { cause?: Error };
    // drizzle wraps the driver's error; PostgreSQL's own message is the cause.
    expect(error.cause?.message).toBe(`audit_events is append-only: ${op} is not allowed`);
    const rows = await db.select().from(auditEvents);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.action).toBe("test.event");
  });
});
