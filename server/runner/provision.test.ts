import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, runEvents, runs } from "~/db/schema";
import { createPostgresEngine, type PostgresEngine } from "~/server/engines/postgres/engine";
import { openSecret } from "~/server/core/secret-box";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { queueDestroy } from "~/server/runs/queue-destroy";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

let db: Database;
let url: string;
let postgres: PostgresEngine;
let teamId: string;
let dev: Awaited<ReturnType<typeof callerFor>>;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
  postgres = createPostgresEngine({ adminUrl: url });
});
afterAll(async () => {
  await postgres.close();
});

const engines = () => postgres;

async function submitPostgres(databaseName: string) {
  return dev.requests.submit({
    teamId,
    templateName: "postgres-dev",
    tier: "dev",
    environmentName: `pg-${randomUUID().slice(0, 6)}`,
    ttlHours: 24,
    parameters: { database_name: databaseName },
    justification: "Runner test with a real database",
    clientRequestId: randomUUID(),
  });
}

describe("provisioning a postgres-dev request", () => {
  it("turns the queued request into a ready environment with a working, sealed connection string", async () => {
    const { id: requestId, status } = await submitPostgres("orders_dev");
    expect(status).toBe("queued");
    const runId = await startApply(db, requestId);
    expect(runId).not.toBeNull();
    // A retried job finds the same run, never a second environment.
    expect(await startApply(db, requestId)).toBe(runId);

    expect(await executeRun(db, runId!, { workerId: "test-worker", engines })).toBe("succeeded");
    expect(await executeRun(db, runId!, { workerId: "test-worker", engines })).toBe("not_claimed");

    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    expect(environment).toMatchObject({ status: "ready", failureSummary: null });
    expect(environment?.outputs).toMatchObject({ database: expect.stringMatching(/^orders_dev_[0-9a-f]{6}$/), port: expect.any(String) });
    const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
    expect(request?.status).toBe("ready");

    const secrets = JSON.parse(openSecret(environment!.secretOutputsCiphertext!, "environment-outputs", environment!.id)) as Record<string, string>;
    const client = new pg.Client({ connectionString: secrets.connection_string });
    await client.connect();
    const result = await client.query<{ one: number }>("select 1 as one");
    expect(result.rows[0]?.one).toBe(1);
    await client.end();

    const resources = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment!.id));
    expect(resources.map((r) => [r.address, r.status])).toEqual([
      ["app_role", "ready"],
      ["db", "ready"],
    ]);
    // Secrets are never in the log, the tracked properties or the plain outputs.
    const [run] = await db.select().from(runs).where(eq(runs.id, runId!));
    const log = await db.select().from(runEvents).where(eq(runEvents.runId, runId!));
    const everythingPlain = JSON.stringify({
      log,
      resources: resources.map((r) => [r.properties, r.attributes]),
      outputs: environment?.outputs,
      run,
    });
    expect(everythingPlain).not.toContain(secrets.password!);
    expect(log.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Apply started/),
        expect.stringMatching(/^Created db as orders_dev_/),
        "Apply finished: 2 resources ready",
      ]),
    );

    // Destroy: the database and role are dropped, every row says so, and the environment is destroyed.
    const destroyRun = await queueDestroy(db, environment!.id, "test");
    expect(destroyRun).not.toBeNull();
    expect(await queueDestroy(db, environment!.id, "twice")).toBeNull();
    expect(await executeRun(db, destroyRun!, { workerId: "test-worker", engines })).toBe("succeeded");
    const [gone] = await db.select().from(environments).where(eq(environments.id, environment!.id));
    expect(gone?.status).toBe("destroyed");
    const after = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment!.id));
    expect(after.every((r) => r.status === "deleted")).toBe(true);
    expect(await postgres.read({ environmentId: environment!.id, signal: new AbortController().signal })).toEqual([]);
    const refused = new pg.Client({ connectionString: secrets.connection_string });
    await expect(refused.connect()).rejects.toThrow();
  });
});
