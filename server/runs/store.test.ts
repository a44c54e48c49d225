/**
 * The run store against real PostgreSQL: one active run per environment, its job in the same
 * transaction, the compare-and-set claim, and that only the holder (worker and attempt) can move
 * a run on. Heartbeats report a lost claim and a failing database instead of swallowing them.
 */
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { schema, type Database } from "~/db/client";
import { runs } from "~/db/schema";
import { startApply } from "~/server/runner/start-apply";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser, submitBastion } from "~/testing/fixtures";
import {
  assertHeld,
  claimOf,
  claimRun,
  ClaimLostError,
  completeRun,
  createRun,
  failRun,
  handBackRun,
  heartbeatCounters,
  holdClaim,
  requeueStaleRuns,
  type Claim,
} from "./store";

let db: Database;
let url: string;
let dev: Awaited<ReturnType<typeof callerFor>>;
let teamId: string;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});

/** A provisioning environment with its queued apply run. */
async function queuedApply(): Promise<{ environmentId: string; runId: string }> {
  const requestId = await submitBastion(dev, teamId, "store", "Run store tests");
  const runId = (await startApply(db, requestId))!;
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  return { environmentId: run!.environmentId, runId };
}

const runOf = async (runId: string) => (await db.select().from(runs).where(eq(runs.id, runId)))[0]!;
const jobsFor = async (runId: string, task: "resume_run" | "recover_run" = "resume_run") =>
  (
    await db.execute<{ n: number }>(
      sql`select count(*)::int as n from graphile_worker.jobs where task_identifier = ${task} and key = ${`resume:${runId}`}`,
    )
  ).rows[0]!.n;
const removeJob = (runId: string) => db.execute(sql`select graphile_worker.remove_job(${`resume:${runId}`})`);
/** Makes the holder's heartbeat look a minute old (as if its worker died). */
const staleHeartbeat = (runId: string) =>
  db
    .update(runs)
    .set({ heartbeatAt: sql`now() - interval '1 minute'` })
    .where(eq(runs.id, runId));

describe("creating runs", () => {
  it("queues the run with its resume job, and refuses a second active run of the environment", async () => {
    const { environmentId, runId } = await queuedApply();
    expect(await runOf(runId)).toMatchObject({ status: "queued", kind: "apply", workerId: null });
    expect(await jobsFor(runId)).toBe(1);
    expect(await createRun(db, { environmentId, kind: "update" })).toBeNull();
    expect(await createRun(db, { environmentId, kind: "destroy", claimedBy: "w" })).toBeNull();
    expect(await db.$count(runs, eq(runs.environmentId, environmentId))).toBe(1);
  });

  it("creates no job when the caller's transaction rolls back", async () => {
    const { environmentId, runId } = await queuedApply();
    const claim = claimOf((await claimRun(db, runId, "w-1"))!);
    await db.transaction((tx) => completeRun(tx, claim));
    let created: string | undefined;
    await expect(
      db.transaction(async (tx) => {
        created = (await createRun(tx, { environmentId, kind: "update" }))?.id;
        throw new Error("the caller changed its mind");
      }),
    ).rejects.toThrow("the caller changed its mind");
    expect(created).toBeDefined();
    expect(await db.$count(runs, eq(runs.id, created!))).toBe(0);
    expect(await jobsFor(created!)).toBe(0);
  });
});

describe("claiming", () => {
  it("gives a queued run to exactly one of two workers claiming at once", async () => {
    const { runId } = await queuedApply();
    const [a, b] = await Promise.all([claimRun(db, runId, "w-a"), claimRun(db, runId, "w-b")]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const winner = (a ?? b)!;
    expect(await runOf(runId)).toMatchObject({ status: "running", workerId: winner.workerId, attempts: 1 });
    // Held with a fresh heartbeat: nobody else gets it, the holder neither (it already has it).
    expect(await claimRun(db, runId, "w-c")).toBeNull();
  });

  it("takes over a running run only once its heartbeat is stale, with a new attempt that fences the old holder off", async () => {
    const { runId } = await queuedApply();
    const old = claimOf((await claimRun(db, runId, "w-old"))!);
    expect(await claimRun(db, runId, "w-new", { staleMs: 60_000 })).toBeNull();
    await staleHeartbeat(runId);
    const taken = await claimRun(db, runId, "w-new", { staleMs: 30_000 });
    expect(taken).toMatchObject({ status: "running", workerId: "w-new", attempts: 2 });
    const current = claimOf(taken!);

    // The old holder can neither finish, fail nor hand back the run.
    await expect(db.transaction((tx) => completeRun(tx, old))).rejects.toBeInstanceOf(ClaimLostError);
    await expect(db.transaction((tx) => failRun(tx, old, "boom"))).rejects.toBeInstanceOf(ClaimLostError);
    await expect(handBackRun(db, old)).rejects.toBeInstanceOf(ClaimLostError);
    await expect(assertHeld(db, old)).rejects.toBeInstanceOf(ClaimLostError);
    expect(await runOf(runId)).toMatchObject({ status: "running", workerId: "w-new", attempts: 2, finishedAt: null, error: null });

    // Even the same worker id re-claiming its own stale run fences its earlier execution off.
    await staleHeartbeat(runId);
    const again = claimOf((await claimRun(db, runId, "w-new"))!);
    await expect(db.transaction((tx) => completeRun(tx, current))).rejects.toBeInstanceOf(ClaimLostError);
    await db.transaction((tx) => completeRun(tx, again));
    expect(await runOf(runId)).toMatchObject({ status: "succeeded", workerId: "w-new", attempts: 3, error: null });
    // Over: no claim, no completion again.
    expect(await claimRun(db, runId, "w-late")).toBeNull();
    await expect(db.transaction((tx) => failRun(tx, again, "late"))).rejects.toBeInstanceOf(ClaimLostError);
  });

  it("hands a run back to the queue with a recovery job (ahead of the backlog), for the holder only", async () => {
    const { runId } = await queuedApply();
    await removeJob(runId);
    const claim = claimOf((await claimRun(db, runId, "w-1"))!);
    await expect(handBackRun(db, { ...claim, workerId: "w-2" })).rejects.toBeInstanceOf(ClaimLostError);
    expect(await jobsFor(runId, "recover_run")).toBe(0);
    await handBackRun(db, claim);
    expect(await runOf(runId)).toMatchObject({ status: "queued", workerId: null });
    expect(await jobsFor(runId, "recover_run")).toBe(1);
    expect(await jobsFor(runId, "resume_run")).toBe(0);
  });

  it("recovery queues a recovery job for runs whose holder stopped heartbeating, and only those", async () => {
    const { runId: stale } = await queuedApply();
    const { runId: fresh } = await queuedApply();
    await claimRun(db, stale, "w-dead");
    await claimRun(db, fresh, "w-live");
    await removeJob(stale);
    await removeJob(fresh);
    await staleHeartbeat(stale);
    const requeued = await requeueStaleRuns(db, 30_000);
    expect(requeued).toContain(stale);
    expect(requeued).not.toContain(fresh);
    expect(await jobsFor(stale, "recover_run")).toBe(1);
    expect(await jobsFor(fresh, "recover_run")).toBe(0);
  });

  it("turns a run's waiting resume job into its recovery job, and queuing it again keeps one job and its place in line", async () => {
    const { runId } = await queuedApply();
    await claimRun(db, runId, "w-dead");
    await staleHeartbeat(runId);
    // The queued run's resume job is still there (a worker claimed the run without it, e.g. by provisioning).
    expect(await jobsFor(runId, "resume_run")).toBe(1);
    await requeueStaleRuns(db, 30_000);
    const first = await db.execute<{ run_at: Date; priority: number }>(
      sql`select run_at, priority from graphile_worker.jobs where key = ${`resume:${runId}`}`,
    );
    await requeueStaleRuns(db, 30_000);
    const again = await db.execute<{ run_at: Date; priority: number; task_identifier: string }>(
      sql`select run_at, priority, task_identifier from graphile_worker.jobs where key = ${`resume:${runId}`}`,
    );
    expect(again.rows).toHaveLength(1);
    expect(again.rows[0]).toMatchObject({ task_identifier: "recover_run", priority: -10 });
    expect(new Date(again.rows[0]!.run_at).getTime()).toBe(new Date(first.rows[0]!.run_at).getTime());
    expect(await jobsFor(runId, "resume_run")).toBe(0);
  });
});

describe("heartbeats", () => {
  it("report a claim taken over and abort the run's signal", async () => {
    const { runId } = await queuedApply();
    const mine: Claim = claimOf((await claimRun(db, runId, "w-slow"))!);
    const lostBefore = heartbeatCounters.lost;
    const reported: ClaimLostError[] = [];
    const hold = holdClaim(db, mine, { intervalMs: 60_000, onLost: (e) => reported.push(e) });
    try {
      await hold.beat();
      expect(hold.signal.aborted).toBe(false);
      await staleHeartbeat(runId);
      await claimRun(db, runId, "w-fast");
      await hold.beat();
      expect(hold.signal.aborted).toBe(true);
      expect(hold.signal.reason).toBeInstanceOf(ClaimLostError);
      expect(hold.lost?.message).toMatch(/no longer held by w-slow \(attempt 1\): its heartbeat found another worker holding it/);
      expect(reported).toHaveLength(1);
      expect(heartbeatCounters.lost).toBe(lostBefore + 1);
      // The heartbeat did not touch the new holder's claim.
      expect(await runOf(runId)).toMatchObject({ workerId: "w-fast", attempts: 2 });
    } finally {
      hold.stop();
    }
  });

  it("log and count failures, and stop the run once they outlast a claim", async () => {
    const { runId } = await queuedApply();
    const claim = claimOf((await claimRun(db, runId, "w-cut-off"))!);
    // A database connection that is gone: every heartbeat query fails.
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await pool.end();
    const gone = drizzle(pool, { schema }) as unknown as Database;
    const failuresBefore = heartbeatCounters.failures;
    const hold = holdClaim(gone, claim, { intervalMs: 60_000, staleMs: 50 });
    try {
      await hold.beat();
      expect(hold.failures).toBe(1);
      expect(heartbeatCounters.failures).toBe(failuresBefore + 1);
      expect(hold.signal.aborted).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 60));
      await hold.beat();
      expect(hold.failures).toBe(2);
      expect(hold.signal.aborted).toBe(true);
      expect(hold.lost?.message).toMatch(/its heartbeat has failed for \d+ ms, longer than a claim lasts \(50 ms\)/);
    } finally {
      hold.stop();
    }
  });
});
