/**
 * Drift on the postgres engine against the real embedded PostgreSQL: an out-of-band
 * `ALTER ROLE … CONNECTION LIMIT` and a `COMMENT ON ROLE` that strips a tag are found with their
 * values, reconciled through an approval, and the next check is in sync.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "~/db/client";
import { driftChecks, environments, runs } from "~/db/schema";
import type { DriftReport } from "~/server/engines/drift";
import { createPostgresEngine } from "~/server/engines/postgres/engine";
import { createRun } from "~/server/runs/store";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

const adminUrl = inject("templateDatabaseUrl").replace(/\/provisio_template$/, "/postgres");
const engine = createPostgresEngine({ adminUrl });
let db: Database;
afterAll(() => engine.close());

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
});

describe("drift on postgres", () => {
  it("finds an ALTER ROLE and a changed comment tag, reconciles them through an approval, then checks in sync", async () => {
    const owner = await makeUser(db);
    const approverUser = await makeUser(db);
    const teamId = (
      await makeTeam(db, [
        { userId: owner.id, role: "member" },
        { userId: approverUser.id, role: "approver" },
      ])
    ).id;
    const dev = await callerFor(db, owner.id);
    const approver = await callerFor(db, approverUser.id);
    const submitted = await dev.requests.submit({
      teamId,
      templateName: "postgres-dev",
      tier: "dev",
      environmentName: `pgdrift-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: { database_name: `drift_${randomUUID().slice(0, 6).replace(/-/g, "")}` },
      justification: "Postgres drift test",
      clientRequestId: randomUUID(),
    });
    const applyRun = await startApply(db, submitted.id);
    const opts = { workerId: "pg-drift", engines: () => engine, retry: { attempts: 2, baseMs: 1, maxMs: 2 } };
    expect(await executeRun(db, applyRun!, opts)).toBe("succeeded");
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, submitted.id));
    const environmentId = environment!.id;
    const check = async () => {
      const run = await createRun(db, { environmentId, kind: "drift" });
      await executeRun(db, run!.id, opts);
      const [row] = await db.select().from(driftChecks).where(eq(driftChecks.runId, run!.id));
      return row!;
    };
    expect((await check()).result).toBe("in_sync");

    // Out of band: a console ALTER ROLE and an edited comment (the team tag changed).
    const [role] = await admin(
      `select rolname, rolconnlimit, shobj_description(oid, 'pg_authid') as comment from pg_roles where strpos(coalesce(shobj_description(oid, 'pg_authid'), ''), '${environmentId}') > 0 limit 1`,
    );
    const name = role!.rolname as string;
    const meta = JSON.parse(role!.comment as string) as { tags: Record<string, string> };
    const teamTag = meta.tags.team;
    meta.tags.team = "someone-else";
    await admin(`alter role "${name}" connection limit ${Number(role!.rolconnlimit) + 7}`);
    await admin(`comment on role "${name}" is '${JSON.stringify(meta).replace(/'/g, "''")}'`);

    const drifted = await check();
    expect(drifted.result).toBe("drifted");
    const changed = (drifted.report as DriftReport).resources.find((r) => r.providerId === name);
    expect(changed?.kind).toBe("changed");
    if (changed?.kind !== "changed") throw new Error("unreachable");
    expect(changed.properties).toEqual([{ path: "connection_limit", desired: Number(role!.rolconnlimit), actual: Number(role!.rolconnlimit) + 7 }]);
    expect(changed.tags).toEqual([{ path: "team", desired: teamTag, actual: "someone-else" }]);

    const asked = await dev.drift.requestReconcile({ environmentId, reason: "Undo the manual ALTER ROLE" });
    // dev tier auto-approves creation; a reconcile follows the same stages.
    if (asked.status === "pending_approval")
      await approver.approvals.decide({ requestId: asked.requestId, expectedVersion: 1, decision: "approved", comment: "" });
    const [reconcile] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, "reconcile")));
    expect(await executeRun(db, reconcile!.id, opts)).toBe("succeeded");
    const [after] = await admin(`select rolconnlimit from pg_roles where rolname = '${name}'`);
    expect(Number(after!.rolconnlimit)).toBe(Number(role!.rolconnlimit));
    const [confirm] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, "drift"), eq(runs.status, "queued")));
    expect(await executeRun(db, confirm!.id, opts)).toBe("succeeded");
    const [final] = await db.select().from(environments).where(eq(environments.id, environmentId));
    expect(final!.driftStatus).toBe("in_sync");
  });
});
