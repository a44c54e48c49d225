/**
 * A worker whose claim was taken over cannot finish or fail the run. Worker A works on a run;
 * worker B takes it over (as the recovery would after A's heartbeat went stale). A's heartbeat
 * reports the loss and stops it; A's bookkeeping, completion, failure and cleanup are refused;
 * B finishes the run, and the simulator holds exactly one of each resource.
 */
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, environmentResources, environments, requests, runEvents, runs } from "~/db/schema";
import { EngineError, type Engine } from "~/server/engines/engine";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { claimRun } from "~/server/runs/store";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser, submitBastion } from "~/testing/fixtures";
import { executeClaimedRun, executeRun } from "./execute";
import { runKindHandlers } from "./kinds";
import { defineRunKind } from "./kinds/types";
import { startApply } from "./start-apply";
import type { RunnerOptions } from "./types";

let db: Database;
let sim: SimEngine;
let teamId: string;
let dev: Awaited<ReturnType<typeof callerFor>>;
const fast = { attempts: 3, baseMs: 1, maxMs: 5 };

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});

// One test swaps the drift handler: put the real one back, for the files that share this process (isolate: false).
const driftHandler = runKindHandlers.drift;
afterEach(() => {
  runKindHandlers.drift = driftHandler;
});

async function queuedApply() {
  const requestId = await submitBastion(dev, teamId, "claim", "Claim takeover tests");
  const runId = (await startApply(db, requestId))!;
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
  return { requestId, runId, environmentId: environment!.id };
}

/**
 * Worker B takes the run over the way recovery does once A's heartbeat is stale (staleMs 0: any heartbeat is older
 * than B's statement, unless A's beat committed while it ran: then B tries again, as the recovery tick would).
 */
async function takeOver(runId: string) {
  for (;;) {
    const claimed = await claimRun(db, runId, "worker-b", { staleMs: 0 });
    if (claimed) return claimed;
  }
}

/** The sim engine, with `hook` run inside the n-th apply call (after the resource exists in the cloud). */
function onApply(n: number, hook: (ctx: Parameters<Engine["apply"]>[0]) => Promise<void>): Engine {
  let calls = 0;
  return {
    ...sim,
    name: sim.name,
    plan: sim.plan,
    read: (ctx) => sim.read(ctx),
    destroy: (ctx, r) => sim.destroy(ctx, r),
    apply: async (ctx, desired, existing) => {
      const result = await sim.apply(ctx, desired, existing);
      if (++calls === n) await hook(ctx);
      return result;
    },
  };
}

const options = (engine: Engine, extra: Partial<RunnerOptions> = {}): RunnerOptions => ({
  workerId: "worker-a",
  engines: () => engine,
  retry: fast,
  ...extra,
});
const logOf = async (runId: string) =>
  (await db.select({ message: runEvents.message }).from(runEvents).where(eq(runEvents.runId, runId)).orderBy(runEvents.id)).map((r) => r.message);

/** Nothing of A's outcome was recorded: the run is B's and running, the environment and request still provisioning, no ready/failed audit. */
async function expectUntouchedByA(runId: string, environmentId: string, requestId: string) {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  expect(run).toMatchObject({ status: "running", workerId: "worker-b", attempts: 2, finishedAt: null, error: null });
  const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
  expect(environment).toMatchObject({ status: "provisioning", failureSummary: null, readyAt: null });
  const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
  expect(request?.status).toBe("provisioning");
  const outcomes = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.subjectId, environmentId), inArray(auditEvents.action, ["environment.ready", "environment.failed"])));
  expect(outcomes).toEqual([]);
  expect((await logOf(runId)).filter((m) => m.startsWith("Stopped without recording an outcome: Run "))).toHaveLength(1);
}

/** B finishes the run, and the cloud holds exactly what the records say: nothing made twice by A and B. */
async function expectBFinishes(runId: string, environmentId: string) {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  expect(await executeClaimedRun(db, run!, options(sim, { workerId: "worker-b" }))).toBe("succeeded");
  const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
  expect(environment?.status).toBe("ready");
  const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environmentId));
  const live = await sim.cloud.inventory({ tags: { "environment-id": environmentId } });
  expect(rows.every((r) => r.status === "ready")).toBe(true);
  expect(live).toHaveLength(rows.length);
  expect(new Set(live.map((r) => r.id))).toEqual(new Set(rows.map((r) => r.providerId)));
}

describe("a worker whose claim was taken over", () => {
  it("is told by its heartbeat and stops in the middle of its work, recording nothing", async () => {
    const { requestId, runId, environmentId } = await queuedApply();
    // A is inside its second engine call when B takes over; the call then waits until A's run is stopped.
    const engine = onApply(2, async (ctx) => {
      await takeOver(runId);
      // The heartbeat may have noticed already (its tick can land between B's commit and this line).
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    });
    expect(await executeRun(db, runId, options(engine, { heartbeatMs: 10 }))).toBe("claim_lost");
    await expectUntouchedByA(runId, environmentId, requestId);
    expect((await logOf(runId)).find((m) => m.startsWith("Stopped"))).toMatch(/its heartbeat found another worker holding it/);
    // A stopped at once: the third resource was never started by it.
    expect((await logOf(runId)).filter((m) => m.startsWith("Creating "))).toHaveLength(2);
    await expectBFinishes(runId, environmentId);
  });

  it("cannot record what it made once the run is another worker's (its heartbeat never noticed)", async () => {
    const { requestId, runId, environmentId } = await queuedApply();
    const engine = onApply(5, async () => {
      await takeOver(runId);
    });
    expect(await executeRun(db, runId, options(engine, { heartbeatMs: 60_000 }))).toBe("claim_lost");
    await expectUntouchedByA(runId, environmentId, requestId);
    // Its last resource's record stays as B will find it (creating, adopted by its key), not marked ready by A.
    const [last] = await db
      .select()
      .from(environmentResources)
      .where(eq(environmentResources.environmentId, environmentId))
      .orderBy(environmentResources.createdAt)
      .offset(4);
    expect(last?.status).toBe("creating");
    await expectBFinishes(runId, environmentId);
  });

  it("cannot fail the run, nor clean up what B is working on", async () => {
    const { requestId, runId, environmentId } = await queuedApply();
    const engine = onApply(3, async () => {
      await takeOver(runId);
      throw new EngineError("permanent", "a permanent error A sees after it lost the run");
    });
    expect(await executeRun(db, runId, options(engine, { heartbeatMs: 60_000 }))).toBe("claim_lost");
    await expectUntouchedByA(runId, environmentId, requestId);
    const log = await logOf(runId);
    expect(log.some((m) => m.startsWith("Cleaning up") || m.startsWith("Apply failed"))).toBe(false);
    // What A made is still there for B to adopt.
    expect(await sim.cloud.inventory({ tags: { "environment-id": environmentId } })).toHaveLength(3);
    await expectBFinishes(runId, environmentId);
  });

  it("cannot complete or fail a run of any kind: the dispatcher's last write is refused", async () => {
    for (const ending of ["succeed", "fail"] as const) {
      const { requestId, runId, environmentId } = await queuedApply();
      // A kind whose work ends after B took the run over, before A records the outcome.
      let finished = false;
      let cleanedUp = false;
      runKindHandlers.drift = defineRunKind({
        noun: "drift check",
        load: async () => null,
        async execute() {
          await takeOver(runId);
          if (ending === "fail") throw new Error("drift found");
        },
        async cleanUp() {
          cleanedUp = true;
          return "cleaned";
        },
        async finish() {
          finished = true;
        },
      });
      await db.update(runs).set({ kind: "drift" }).where(eq(runs.id, runId));
      expect(await executeRun(db, runId, options(sim, { heartbeatMs: 60_000 }))).toBe("claim_lost");
      expect({ ending, finished, cleanedUp }).toEqual({ ending, finished: false, cleanedUp: false });
      await expectUntouchedByA(runId, environmentId, requestId);
    }
  });
});

describe("an outcome the environment's row refuses", () => {
  it("fails the run, saying why, instead of retrying forever (the transition table is enforced)", async () => {
    const { requestId, runId, environmentId } = await queuedApply();
    // Changed by hand while the apply runs: failed → ready is not a transition the table allows.
    const engine = onApply(5, async () => {
      await db.update(environments).set({ status: "failed", failureSummary: "marked failed by hand" }).where(eq(environments.id, environmentId));
    });
    expect(await executeRun(db, runId, options(engine))).toBe("failed");
    const [run] = await db.select().from(runs).where(eq(runs.id, runId));
    expect(run).toMatchObject({
      status: "failed",
      error: "the outcome (succeeded) could not be recorded: A environment cannot go from failed to ready.",
    });
    const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
    expect(environment).toMatchObject({ status: "failed", failureSummary: "marked failed by hand", readyAt: null });
    const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
    expect(request?.status).toBe("provisioning");
    expect(await logOf(runId)).toContain("Run stopped: the outcome (succeeded) could not be recorded: A environment cannot go from failed to ready.");
  });
});
