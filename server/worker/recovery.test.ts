/**
 * The recovery tick against real PostgreSQL and graphile-worker's own tables: a worker whose
 * heartbeat went stale has its job locks released once (and only it: not a live one, not one
 * that stopped cleanly), its stale runs get a recovery job (the one waiting job of the run), and
 * the tick queues the next tick under its one key.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import type { JobHelpers } from "graphile-worker";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { runs, workerHeartbeats } from "~/db/schema";
import { enqueue } from "~/server/jobs/registry";
import { startApply } from "~/server/runner/start-apply";
import { claimRun } from "~/server/runs/store";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser, submitBastion } from "~/testing/fixtures";
import { releaseDeadWorkers, startHeartbeat } from "./heartbeat";
import { recoverOnce, recoverRunsTask, recoveryTickMs } from "./tasks/recovery";

const STALE_MS = 2_000;
let db: Database;
let dev: Awaited<ReturnType<typeof callerFor>>;
let teamId: string;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});

/** A heartbeat row `ageMs` old for a worker whose runners lock jobs as `poolIds`. */
async function worker(workerId: string, poolIds: string[], ageMs: number, stopped = false) {
  await db.insert(workerHeartbeats).values({
    workerId,
    hostname: "h",
    pid: 1,
    concurrency: 2,
    graphileWorkerIds: poolIds,
    startedAt: new Date(),
    lastSeenAt: sql`now() - make_interval(secs => ${ageMs / 1000})` as unknown as Date,
    stoppedAt: stopped ? new Date() : null,
  });
}

/** A job locked by `poolId`, as graphile-worker leaves it while a worker runs it. */
async function lockedJob(key: string, poolId: string) {
  await enqueue(db, "deliverWebhook", { deliveryId: randomUUID() }, { key });
  await db.execute(
    sql`update graphile_worker._private_jobs set locked_at = now(), locked_by = ${poolId}, attempts = attempts + 1 where key = ${key}`,
  );
}

type JobRow = { task_identifier: string; locked_by: string | null; attempts: number; run_at: Date; priority: number };
const job = async (key: string) =>
  (await db.execute<JobRow>(sql`select task_identifier, locked_by, attempts, run_at, priority from graphile_worker.jobs where key = ${key}`)).rows;

async function runningApply(workerId: string) {
  const requestId = await submitBastion(dev, teamId, "rec", "Recovery tick tests");
  const runId = (await startApply(db, requestId))!;
  await claimRun(db, runId, workerId);
  return runId;
}

describe("releasing a dead worker's job locks", () => {
  it("unlocks the jobs of a worker silent for longer than the staleness, once, and leaves live and cleanly stopped workers alone", async () => {
    const tag = randomUUID().slice(0, 8);
    await worker(`dead-${tag}`, [`pool-a-${tag}`, `pool-b-${tag}`], 60_000);
    await worker(`live-${tag}`, [`pool-live-${tag}`], 100);
    await worker(`stopped-${tag}`, [`pool-stopped-${tag}`], 60_000, true);
    await lockedJob(`a-${tag}`, `pool-a-${tag}`);
    await lockedJob(`b-${tag}`, `pool-b-${tag}`);
    await lockedJob(`live-${tag}`, `pool-live-${tag}`);

    const released = await releaseDeadWorkers(db, STALE_MS);
    expect(released.filter((w) => w.workerId.endsWith(tag))).toEqual([
      { workerId: `dead-${tag}`, graphileWorkerIds: [`pool-a-${tag}`, `pool-b-${tag}`], lastSeenAt: expect.any(Date), jobsReleased: 2 },
    ]);
    // Ready again at once, its attempt kept (graphile-worker counts it).
    expect(await job(`a-${tag}`)).toEqual([expect.objectContaining({ locked_by: null, attempts: 1 })]);
    expect(await job(`b-${tag}`)).toEqual([expect.objectContaining({ locked_by: null })]);
    expect(await job(`live-${tag}`)).toEqual([expect.objectContaining({ locked_by: `pool-live-${tag}` })]);

    // Released once: a second pass does not report it again.
    expect((await releaseDeadWorkers(db, STALE_MS)).map((w) => w.workerId)).not.toContain(`dead-${tag}`);
    const [row] = await db
      .select()
      .from(workerHeartbeats)
      .where(eq(workerHeartbeats.workerId, `dead-${tag}`));
    expect(row?.locksReleasedAt).toBeInstanceOf(Date);
  });

  it("treats a worker that beats again as alive: its new locks are released when it goes silent again", async () => {
    const tag = randomUUID().slice(0, 8);
    await worker(`stall-${tag}`, [`pool-old-${tag}`], 60_000);
    expect((await releaseDeadWorkers(db, STALE_MS)).map((w) => w.workerId)).toContain(`stall-${tag}`);
    const stop = await startHeartbeat(db, `stall-${tag}`, 2, { graphileWorkerIds: [`pool-new-${tag}`], intervalMs: 60_000 });
    const [back] = await db
      .select()
      .from(workerHeartbeats)
      .where(eq(workerHeartbeats.workerId, `stall-${tag}`));
    expect(back).toMatchObject({ locksReleasedAt: null, stoppedAt: null, graphileWorkerIds: [`pool-new-${tag}`] });
    expect((await releaseDeadWorkers(db, STALE_MS)).map((w) => w.workerId)).not.toContain(`stall-${tag}`);

    await lockedJob(`new-${tag}`, `pool-new-${tag}`);
    await db
      .update(workerHeartbeats)
      .set({ lastSeenAt: sql`now() - interval '1 minute'` })
      .where(eq(workerHeartbeats.workerId, `stall-${tag}`));
    expect((await releaseDeadWorkers(db, STALE_MS)).find((w) => w.workerId === `stall-${tag}`)).toMatchObject({ jobsReleased: 1 });
    expect(await job(`new-${tag}`)).toEqual([expect.objectContaining({ locked_by: null })]);
    await stop();
  });
});

describe("the recovery tick", () => {
  it("unlocks the dead worker's resume job and turns it into the run's one recovery job, ahead of the backlog", async () => {
    const tag = randomUUID().slice(0, 8);
    const runId = await runningApply(`dead-run-${tag}`);
    await worker(`dead-run-${tag}`, [`pool-run-${tag}`], 60_000);
    // The dead worker had taken the run's resume job, and its run heartbeat is as old as its own.
    await db.execute(
      sql`update graphile_worker._private_jobs set locked_at = now(), locked_by = ${`pool-run-${tag}`}, attempts = 1 where key = ${`resume:${runId}`}`,
    );
    await db
      .update(runs)
      .set({ heartbeatAt: sql`now() - interval '1 minute'` })
      .where(eq(runs.id, runId));

    const report = await recoverOnce(db, STALE_MS);
    expect(report.deadWorkers.map((w) => w.workerId)).toContain(`dead-run-${tag}`);
    expect(report.recoveredRuns).toContain(runId);
    expect(await job(`resume:${runId}`)).toEqual([
      expect.objectContaining({ task_identifier: "recover_run", locked_by: null, attempts: 0, priority: -10 }),
    ]);
  });

  it("queues its own next run under one key, a tick ahead, however often it runs", async () => {
    const tick = recoverRunsTask(db, { staleMs: STALE_MS, tickMs: 1_500 });
    const helpers = {
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    } as unknown as JobHelpers;
    const before = Date.now();
    await tick({}, helpers);
    await tick({}, helpers);
    const ticks = await job("recover_runs");
    expect(ticks).toHaveLength(1);
    expect(ticks[0]?.task_identifier).toBe("recover_runs");
    const dueInMs = new Date(ticks[0]!.run_at).getTime() - before;
    expect(dueInMs).toBeGreaterThanOrEqual(1_000);
    expect(dueInMs).toBeLessThan(10_000);
  });

  it("survives a failing pass: the error is logged, the job does not fail, and the next tick is already queued", async () => {
    const errors: string[] = [];
    const helpers = {
      logger: { info: () => undefined, warn: () => undefined, error: (m: string) => errors.push(m), debug: () => undefined },
    } as unknown as JobHelpers;
    await db.execute(sql`select graphile_worker.remove_job('recover_runs')`);
    // Forced: the heartbeat table is gone for the length of one tick.
    await db.execute(sql`alter table worker_heartbeats rename to worker_heartbeats_away`);
    try {
      await recoverRunsTask(db, { staleMs: STALE_MS, tickMs: 1_000 })({}, helpers);
    } finally {
      await db.execute(sql`alter table worker_heartbeats_away rename to worker_heartbeats`);
    }
    expect(errors).toEqual([expect.stringMatching(/^recovery tick failed, the next one retries: relation "worker_heartbeats" does not exist$/)]);
    expect(await job("recover_runs")).toHaveLength(1);
  });

  it("paces itself by the staleness: a quarter of it, between 100 ms and 2 s", () => {
    expect(recoveryTickMs(2_000)).toBe(500);
    expect(recoveryTickMs(30_000)).toBe(2_000);
    expect(recoveryTickMs(100)).toBe(100);
  });
});
