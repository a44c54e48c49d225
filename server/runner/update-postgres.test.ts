/**
 * Day-2 changes on the postgres engine (real roles and databases): a resize in place, a rename
 * that replaces role and database create-before-destroy (a stateful replace that must be
 * confirmed), and a failure in the middle of an update rolled back to the previous settings with
 * no role or database left over.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, runs } from "~/db/schema";
import { EngineError, type Engine } from "~/server/engines/engine";
import { createPostgresEngine, type PostgresEngine } from "~/server/engines/postgres/engine";
import { executeRun } from "~/server/runner/execute";
import { startApply } from "~/server/runner/start-apply";
import { syncTemplates } from "~/server/services/template-sync";
import { requestUpdate } from "~/server/services/updates";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";

let db: Database;
let url: string;
let postgres: PostgresEngine;
let teamId: string;
let owner: Viewer;
const retry = { attempts: 2, baseMs: 1, maxMs: 2 };
const runner = (engine: Engine = postgres) => ({ workerId: "test-worker", engines: () => engine, retry });

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  owner = (await loadViewer(db, user.id))!;
  postgres = createPostgresEngine({ adminUrl: url });
});
afterAll(async () => {
  await postgres.close();
});

async function readyDatabase(databaseName: string) {
  const caller = await callerFor(db, owner.id);
  const { id: requestId } = await caller.requests.submit({
    teamId,
    templateName: "postgres-dev",
    tier: "dev",
    environmentName: `pg-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: { database_name: databaseName },
    justification: "Day-2 tests with a real database",
    clientRequestId: randomUUID(),
  });
  expect(await executeRun(db, (await startApply(db, requestId))!, runner())).toBe("succeeded");
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  return environment!;
}

async function run(environmentId: string, kind: "update" | "rollback") {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, kind), inArray(runs.status, ["queued", "running"])));
  return row!.id;
}

async function rows(environmentId: string) {
  const live = await db
    .select()
    .from(environmentResources)
    .where(and(eq(environmentResources.environmentId, environmentId), eq(environmentResources.status, "ready")));
  return new Map(live.map((r) => [r.address, r]));
}

/** The server's roles and databases whose names carry the environment's suffix. */
async function onServer(suffix: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const roles = await client.query<{ rolname: string; rolconnlimit: number }>("select rolname, rolconnlimit from pg_roles where rolname like $1", [
      `%${suffix}`,
    ]);
    const dbs = await client.query<{ datname: string }>("select datname from pg_database where datname like $1", [`%${suffix}`]);
    return { roles: roles.rows, databases: dbs.rows.map((d) => d.datname) };
  } finally {
    await client.end();
  }
}

const suffixOf = (providerId: string) => providerId.slice(providerId.lastIndexOf("_"));

describe("update runs on the postgres engine", () => {
  it("changes the connection limit in place: same role and database, new limit on the server", async () => {
    const env = await readyDatabase("orders");
    const before = await rows(env.id);
    await requestUpdate(db, owner, {
      environmentId: env.id,
      parameters: { max_connections: 30, size_class: "small" },
      justification: "more room",
      clientRequestId: randomUUID(),
    });
    expect(await executeRun(db, await run(env.id, "update"), runner())).toBe("succeeded");
    const after = await rows(env.id);
    expect(after.get("db")!.providerId).toBe(before.get("db")!.providerId);
    expect(after.get("db")!.properties).toMatchObject({ size_class: "small" });
    const server = await onServer(suffixOf(before.get("db")!.providerId!));
    expect(server.roles).toEqual([{ rolname: before.get("app_role")?.providerId ?? expect.any(String), rolconnlimit: 30 }]);
  });

  it("replaces a renamed database create-before-destroy, only once the loss is confirmed", async () => {
    const env = await readyDatabase("orders");
    const before = await rows(env.id);
    const suffix = suffixOf(before.get("db")!.providerId!);
    const input = {
      environmentId: env.id,
      parameters: { database_name: "billing" },
      justification: "rename the database",
      clientRequestId: randomUUID(),
    };
    await expect(requestUpdate(db, owner, input)).rejects.toMatchObject({ field: "confirmDestructive" });
    await requestUpdate(db, owner, { ...input, confirmDestructive: true });
    expect(await executeRun(db, await run(env.id, "update"), runner())).toBe("succeeded");
    const after = await rows(env.id);
    expect(after.get("db")!.providerId).toMatch(/^billing_/);
    const server = await onServer(suffix);
    expect(server.databases).toEqual([after.get("db")!.providerId]);
    expect(server.roles.map((r) => r.rolname)).toEqual([after.get("app_role")!.providerId]);
    const [row] = await db.select().from(environments).where(eq(environments.id, env.id));
    expect(row!.outputs.database).toBe(after.get("db")!.providerId);
  });

  it("rolls a failure in the middle back: the role's limit is restored and nothing is left over", async () => {
    const env = await readyDatabase("ledger");
    const before = await rows(env.id);
    const suffix = suffixOf(before.get("db")!.providerId!);
    // The database's change fails after the role's has been made.
    const failing: Engine = {
      ...postgres,
      plan: postgres.plan.bind(postgres),
      read: postgres.read.bind(postgres),
      destroy: postgres.destroy.bind(postgres),
      withSecretInputs: postgres.withSecretInputs?.bind(postgres),
      apply: async (ctx, desired, existing) => {
        if (desired.type === "database") throw new EngineError("permanent", "db: simulated failure", { address: "db" });
        return postgres.apply(ctx, desired, existing);
      },
    };
    await requestUpdate(db, owner, {
      environmentId: env.id,
      parameters: { max_connections: 40, size_class: "medium" },
      justification: "bigger",
      clientRequestId: randomUUID(),
    });
    expect(await executeRun(db, await run(env.id, "update"), runner(failing))).toBe("failed");
    expect((await onServer(suffix)).roles[0]?.rolconnlimit).toBe(40);
    expect(await executeRun(db, await run(env.id, "rollback"), runner())).toBe("succeeded");
    const server = await onServer(suffix);
    expect(server.roles).toEqual([{ rolname: before.get("app_role")!.providerId, rolconnlimit: 20 }]);
    expect(server.databases).toEqual([before.get("db")!.providerId]);
    const after = await rows(env.id);
    expect(after.get("app_role")!.properties).toEqual(before.get("app_role")!.properties);
    const [row] = await db.select().from(environments).where(eq(environments.id, env.id));
    expect(row).toMatchObject({ status: "ready", parameters: null });
    expect(row!.failureSummary).toMatch(/simulated failure.*Rolled back to 1\.0\.1/s);
  });
});
