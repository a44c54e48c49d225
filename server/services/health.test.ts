import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { workerHeartbeats } from "~/db/schema";
import { startHeartbeat } from "~/server/worker/heartbeat";
import { createTestDatabase } from "~/testing/db";
import { connect } from "~/db/client";
import { checkHealth } from "./health";

let db: Database;
beforeAll(async () => {
  ({ db } = await createTestDatabase());
});

describe("health", () => {
  it("is degraded with no worker, ok once a worker beats, degraded again after it stops", async () => {
    expect(await checkHealth(db)).toMatchObject({ status: "degraded", database: { ok: true }, worker: { ok: false } });
    const stop = await startHeartbeat(db, "test-worker", 2);
    const ok = await checkHealth(db);
    expect(ok).toMatchObject({ status: "ok", worker: { ok: true, workers: 1 } });
    expect(ok.worker.lastHeartbeatAgeMs).toBeLessThan(5_000);
    await stop();
    expect(await checkHealth(db)).toMatchObject({ status: "degraded", worker: { ok: false } });
  });

  it("treats a heartbeat older than 30 s as a dead worker", async () => {
    await db.insert(workerHeartbeats).values({
      workerId: "silent",
      hostname: "h",
      pid: 1,
      concurrency: 1,
      startedAt: new Date(),
      lastSeenAt: sql`now() - interval '31 seconds'` as unknown as Date,
    });
    const health = await checkHealth(db);
    expect(health.worker.ok).toBe(false);
    expect(health.worker.lastHeartbeatAgeMs).toBeGreaterThanOrEqual(31_000);
  });

  it("reports an unreachable database instead of throwing", async () => {
    const { db: dead } = connect("postgres://nobody:wrong@127.0.0.1:1/none", 1);
    const health = await checkHealth(dead);
    expect(health).toMatchObject({ status: "degraded", database: { ok: false } });
    expect(health.database.error).toBeTruthy();
  });
});
