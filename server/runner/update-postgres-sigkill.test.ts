/**
 * A real worker process is killed with SIGKILL in the middle of an update on the postgres engine
 * (real roles and databases), at the worst point: the role is already changed and the database's
 * change is made on the server but not yet recorded (the test holds the lock on the database's
 * row, so the worker waits there). Another worker resumes: the environment ends on the new
 * settings, the server holds exactly the environment's one role and one database, with the new values.
 */
process.env.NEXTAUTH_SECRET ??= "sigkill-test-secret-0123456789";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, runEvents, runs } from "~/db/schema";
import { createPostgresEngine, type PostgresEngine } from "~/server/engines/postgres/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { requestUpdate } from "~/server/services/updates";
import { loadViewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { workerProcesses, workerStaleMs } from "~/testing/worker-process";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

let db: Database;
let url: string;
let postgres: PostgresEngine;
let workers: ReturnType<typeof workerProcesses>;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  workers = workerProcesses(url);
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  postgres = createPostgresEngine({ adminUrl: url });
});
afterAll(async () => {
  await postgres?.close();
});

async function connect() {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** The server's roles and databases whose names end with the environment's suffix, with the values the update changes. */
async function onServer(suffix: string) {
  const client = await connect();
  try {
    const roles = await client.query<{ rolname: string; rolconnlimit: number }>("select rolname, rolconnlimit from pg_roles where rolname like $1", [
      `%${suffix}`,
    ]);
    const dbs = await client.query<{ datname: string; setconfig: string[] | null }>(
      "select d.datname, s.setconfig from pg_database d left join pg_db_role_setting s on s.setdatabase = d.oid and s.setrole = 0 where d.datname like $1",
      [`%${suffix}`],
    );
    return { roles: roles.rows, databases: dbs.rows };
  } finally {
    await client.end();
  }
}

/** Server processes of this database waiting for a lock in a statement on environment_resources. */
const waitingOnResources =
  "from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database() and a.query ilike '%environment_resources%'";

describe("a worker killed with SIGKILL mid-update on the postgres engine", () => {
  it("resumes on the next worker: the new settings on the server, one role and one database, nothing twice", { timeout: 120_000 }, async () => {
    const user = await makeUser(db);
    const teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
    const api = await callerFor(db, user.id);
    const { id: requestId } = await api.requests.submit({
      teamId,
      templateName: "postgres-dev",
      tier: "dev",
      environmentName: "pg-sigkill",
      ttlHours: 24,
      parameters: { database_name: "ledger" },
      justification: "Kill the worker in the middle of an update",
      clientRequestId: randomUUID(),
    });
    expect(await executeRun(db, (await startApply(db, requestId))!, { workerId: "test-worker", engines: () => postgres })).toBe("succeeded");
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    const before = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment!.id));
    const dbRow = before.find((r) => r.address === "db")!;
    const suffix = dbRow.providerId!.slice(dbRow.providerId!.lastIndexOf("_"));

    const viewer = (await loadViewer(db, user.id))!;
    const change = await requestUpdate(db, viewer, {
      environmentId: environment!.id,
      parameters: { max_connections: 30, statement_timeout_seconds: 120 },
      justification: "More connections and longer reports",
      clientRequestId: randomUUID(),
    });
    expect(change.status).toBe("queued");

    // Hold the database row's lock: the worker changes the role, then the database, and waits to record it.
    const blocker = await connect();
    let released = false;
    try {
      await blocker.query("begin");
      await blocker.query("select id from environment_resources where id = $1 for update", [dbRow.id]);
      const first = workers.start();
      await workers.waitFor(
        "the worker to wait on the database row",
        async () => (await blocker.query<{ n: number }>(`select count(*)::int as n ${waitingOnResources}`)).rows[0]!.n > 0,
      );
      const midway = await onServer(suffix);
      expect(midway.roles.map((r) => r.rolconnlimit)).toEqual([30]);
      expect(midway.databases[0]?.setconfig).toContain("statement_timeout=120s");
      await workers.kill(first);
      // The dead worker's statement is still waiting on the lock in its server process, and would run
      // and commit once the lock is free (PostgreSQL notices a closed socket only when it next writes
      // to it): end that process, as the lost connection eventually would, before letting go.
      await blocker.query(`select pg_terminate_backend(a.pid) ${waitingOnResources}`);
      await workers.waitFor(
        "the dead worker's waiting statement to end",
        async () => (await blocker.query<{ n: number }>(`select count(*)::int as n ${waitingOnResources}`)).rows[0]!.n === 0,
      );
      await blocker.query("rollback");
      released = true;
    } finally {
      if (!released) await blocker.query("rollback").catch(() => undefined);
      await blocker.end();
    }
    const [killed] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environment!.id), eq(runs.kind, "update")));
    expect(killed?.status).toBe("running");
    const [unrecorded] = await db.select().from(environmentResources).where(eq(environmentResources.id, dbRow.id));
    expect(unrecorded?.properties).toMatchObject({ statement_timeout_seconds: 60 });

    // Once its heartbeat is stale, a new worker takes the run over and finishes it.
    await new Promise((r) => setTimeout(r, workerStaleMs + 500));
    workers.start();
    const run = await workers.waitFor("the update run to end", async () => {
      const [row] = await db.select().from(runs).where(eq(runs.id, killed!.id));
      return row?.status === "succeeded" || row?.status === "failed" ? row : null;
    });
    expect({ status: run.status, error: run.error }).toEqual({ status: "succeeded", error: null });
    const log = (await db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.runId, run.id))).map((l) => l.message);
    expect(log).toContainEqual(expect.stringMatching(/^Resuming update \(attempt 2\)/));

    const [row] = await db.select().from(environments).where(eq(environments.id, environment!.id));
    expect(row).toMatchObject({ status: "ready", parameters: expect.objectContaining({ max_connections: 30, statement_timeout_seconds: 120 }) });
    const [applied] = await db.select({ status: requests.status }).from(requests).where(eq(requests.id, change.requestId));
    expect(applied?.status).toBe("applied");
    const after = await db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environment!.id), eq(environmentResources.status, "ready")));
    expect(after.map((r) => [r.address, r.providerId]).sort()).toEqual(before.map((r) => [r.address, r.providerId]).sort());
    expect(after.find((r) => r.address === "db")?.properties).toMatchObject({ statement_timeout_seconds: 120 });
    const server = await onServer(suffix);
    expect(server.roles).toEqual([{ rolname: before.find((r) => r.address === "app_role")!.providerId, rolconnlimit: 30 }]);
    expect(server.databases.map((d) => d.datname)).toEqual([dbRow.providerId]);
    expect(server.databases[0]?.setconfig).toContain("statement_timeout=120s");
    expect(await db.$count(runs, and(eq(runs.environmentId, environment!.id), eq(runs.kind, "rollback")))).toBe(0);
  });
});
