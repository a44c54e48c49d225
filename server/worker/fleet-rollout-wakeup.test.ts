/**
 * A fleet rollout on a real graphile-worker runner with the worker's own fleet tasks (update runs
 * played in-process by `drain`): the advance job never re-queues itself; a finished run wakes
 * the rollout and its next batch starts without any sweep; a lost wake-up (its job deleted) is
 * made good by the minute sweep. Every change to the rollout is announced on the live channel.
 */
import { and, eq, sql } from "drizzle-orm";
import { Logger, run, type Runner } from "graphile-worker";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { fleetRolloutTargets } from "~/db/schema";
import { subscribeChanges, type LiveChange } from "~/server/api/live-events";
import { enqueue, jobs } from "~/server/jobs/registry";
import { getRollout, startRollout } from "~/server/services/fleet-rollout";
import { createTestDatabase } from "~/testing/db";
import { fleetWorld, type FleetWorld } from "~/testing/fleet";
import { advanceFleetRolloutTask, sweepFleetRolloutsTask } from "./tasks/fleet-rollouts";

let db: Database;
let pool: pg.Pool;
let url: string;
let world: FleetWorld;
const runners = new Set<Runner>();

beforeAll(async () => {
  ({ db, pool, url } = await createTestDatabase());
  world = await fleetWorld(db);
});
afterAll(async () => {
  for (const r of runners) await r.stop();
  runners.clear();
});

/** The control lane's fleet tasks as the worker runs them. Its poll is a minute: due jobs are picked up on graphile-worker's insert notification. */
async function startRunner() {
  const runner = await run({
    pgPool: pool,
    concurrency: 1,
    pollInterval: 60_000,
    noHandleSignals: true,
    taskList: { [jobs.advanceFleetRollout.name]: advanceFleetRolloutTask(db), [jobs.sweepFleetRollouts.name]: sweepFleetRolloutsTask(db) },
    parsedCronItems: [],
    logger: new Logger(() => () => undefined),
  });
  runners.add(runner);
  return runner;
}

const advanceJobs = async (rolloutId: string) =>
  (await db.execute<{ run_at: Date }>(sql`select run_at from graphile_worker.jobs where key = ${`fleet_rollout:${rolloutId}`}`)).rows;

const statuses = async (rolloutId: string, batch: number) =>
  (
    await db
      .select({ status: fleetRolloutTargets.status })
      .from(fleetRolloutTargets)
      .where(and(eq(fleetRolloutTargets.rolloutId, rolloutId), eq(fleetRolloutTargets.batch, batch)))
  ).map((t) => t.status);

describe("fleet rollout wake-ups on the worker", () => {
  it("advances on each finished run at once, never polls, and the sweep makes good a lost wake-up", async () => {
    const heard: LiveChange[] = [];
    const unsubscribe = await subscribeChanges(url, (c) => heard.push(c));
    try {
      const template = await world.twoVersions();
      const ids = await world.fleet(template, 6);
      const { rolloutId, batches } = await startRollout(db, world.admin, {
        templateName: template,
        targetVersion: "1.0.1",
        canary: { size: 2, unit: "environments" },
        batchSize: 2,
        maxFailures: 0,
        approvals: { mode: "wait" },
      });
      expect(batches).toEqual([2, 2, 2]);
      let runner = await startRunner();

      // Start's wake-up starts the canary; then no advance job is left waiting (no self re-queue).
      await expect.poll(() => statuses(rolloutId, 0), { timeout: 30_000, interval: 50 }).toEqual(["running", "running"]);
      await expect.poll(() => advanceJobs(rolloutId), { timeout: 30_000, interval: 50 }).toEqual([]);

      // The canary's runs finish: their wake-up starts batch 1 (no sweep runs in this runner).
      await world.drain(ids);
      await expect.poll(() => statuses(rolloutId, 1), { timeout: 30_000, interval: 50 }).toEqual(["running", "running"]);
      expect(await statuses(rolloutId, 0)).toEqual(["succeeded", "succeeded"]);
      await expect.poll(() => advanceJobs(rolloutId), { timeout: 30_000, interval: 50 }).toEqual([]);

      // A lost wake-up: batch 1's runs finish while no worker runs, and their job is deleted.
      await runner.stop();
      runners.delete(runner);
      await world.drain(ids);
      expect(await advanceJobs(rolloutId)).toHaveLength(1);
      await db.execute(sql`select graphile_worker.remove_job(${`fleet_rollout:${rolloutId}`})`);
      runner = await startRunner();
      expect(await statuses(rolloutId, 1)).toEqual(["running", "running"]); // nothing to wake it
      expect(await statuses(rolloutId, 2)).toEqual(["pending", "pending"]);

      // The minute sweep (its cron job, queued here) finds the open rollout and advances it.
      await enqueue(db, "sweepFleetRollouts", {});
      await expect.poll(() => statuses(rolloutId, 2), { timeout: 30_000, interval: 50 }).toEqual(["running", "running"]);
      expect(await statuses(rolloutId, 1)).toEqual(["succeeded", "succeeded"]);

      // The last batch's wake-up finishes the rollout.
      await world.drain(ids);
      await expect.poll(async () => (await getRollout(db, { rolloutId })).status, { timeout: 30_000, interval: 50 }).toBe("finished");
      expect((await getRollout(db, { rolloutId })).counts).toMatchObject({ succeeded: 6, failed: 0, skipped: 0 });

      // The live channel announced the rollout's changes (kind `rollout`, no team: admins and auditors hear it).
      await expect
        .poll(() => heard.some((c) => c.t === "rollout" && c.id === rolloutId && c.team === null), { timeout: 10_000, interval: 50 })
        .toBe(true);
    } finally {
      unsubscribe();
    }
  });
});
