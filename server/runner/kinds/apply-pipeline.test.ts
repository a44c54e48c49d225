/**
 * An apply's records written alongside its engine calls (apply-pipeline.ts), made visible by
 * holding a resource row's lock so its `ready` cannot commit: the engine is asked for the next
 * resource (tracked ahead) meanwhile, the run never finishes before every made resource is
 * recorded ready, and after a failure rows tracked ahead but never asked for are dropped, while
 * a row an earlier attempt tracked is kept for cleanup to look up.
 */
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environmentResources, environments, runs } from "~/db/schema";
import { EngineError, type Engine } from "~/server/engines/engine";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser, submitBastion } from "~/testing/fixtures";
import { executeRun } from "../execute";
import { startApply } from "../start-apply";

let db: Database;
let url: string;
let sim: SimEngine;
let dev: Awaited<ReturnType<typeof callerFor>>;
let teamId: string;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  const user = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  dev = await callerFor(db, user.id);
});
afterAll(async () => {
  await sim.cloud.resetConfig();
});

/** A queued bastion host (network; two subnets and a security group on it; the instance last) and its apply run. */
async function queuedApply(): Promise<{ runId: string; environmentId: string }> {
  const id = await submitBastion(dev, teamId, "pipe", "Pipelined bookkeeping test");
  const runId = await startApply(db, id);
  const [environment] = await db.select().from(environments).where(eq(environments.requestId, id));
  return { runId: runId!, environmentId: environment!.id };
}

/** Locks a resource row from another connection until `release` (its ready cannot commit meanwhile). */
async function lockRow(environmentId: string, address: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("begin");
  const locked = await client.query("select 1 from environment_resources where environment_id = $1 and address = $2 for update", [
    environmentId,
    address,
  ]);
  expect(locked.rowCount).toBe(1);
  return {
    release: async () => {
      await client.query("commit");
      await client.end();
    },
  };
}

const statusOf = async (environmentId: string, address: string) =>
  (
    await db
      .select({ status: environmentResources.status, readyAt: environmentResources.readyAt })
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environmentId), eq(environmentResources.address, address)))
  )[0];

async function waitFor(check: () => Promise<boolean> | boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The sim engine, with a hook after each resource is made and before each is asked for. */
function hooked(hooks: { before?: (address: string) => Promise<void>; after?: (address: string) => Promise<void> }): Engine {
  return {
    ...sim,
    apply: async (ctx, wanted, existing) => {
      await hooks.before?.(wanted.address);
      const result = await sim.apply(ctx, wanted, existing);
      await hooks.after?.(wanted.address);
      return result;
    },
  };
}

describe("an apply's records alongside its engine calls", () => {
  it("asks for the next resource (tracked ahead) while the previous one's ready is still being written", async () => {
    const { runId, environmentId } = await queuedApply();
    let lock: Awaited<ReturnType<typeof lockRow>> | null = null;
    let privateAskedAt: Date | null = null;
    let publicWhenPrivateAsked: string | undefined;
    const engine = hooked({
      after: async (address) => {
        if (address === "public_subnet") lock = await lockRow(environmentId, "public_subnet");
      },
      before: async (address) => {
        if (address !== "private_subnet") return;
        const asked = new Date();
        publicWhenPrivateAsked = (await statusOf(environmentId, "public_subnet"))?.status;
        privateAskedAt = asked; // last: the test releases the lock once it sees this
      },
    });
    const running = executeRun(db, runId, { workerId: "pipeline-test", engines: () => engine, heartbeatMs: 60_000 });
    try {
      await waitFor(() => privateAskedAt !== null, "the engine call of private_subnet (it must not wait for public_subnet's ready)");
    } finally {
      await (lock as Awaited<ReturnType<typeof lockRow>> | null)?.release();
    }
    expect(await running).toBe("succeeded");
    // Asked before public_subnet's ready had committed; that ready keeps the moment it was made.
    expect(publicWhenPrivateAsked).toBe("creating");
    const publicSubnet = await statusOf(environmentId, "public_subnet");
    expect(publicSubnet?.status).toBe("ready");
    expect(publicSubnet!.readyAt!.getTime()).toBeLessThanOrEqual(privateAskedAt!.getTime());
    // In created_at order (microseconds: the rows one statement tracked are told apart there, not in a JS Date).
    const rows = await db
      .select()
      .from(environmentResources)
      .where(eq(environmentResources.environmentId, environmentId))
      .orderBy(environmentResources.createdAt);
    expect(rows.map((r) => r.status)).toEqual(["ready", "ready", "ready", "ready", "ready"]);
    // Created in apply order: the run's first statement tracked them all.
    const ordered = rows.map((r) => r.address);
    expect(ordered[0]).toBe("network");
    expect(ordered[4]).toBe("bastion");
  });

  it("finishes the run only with the last resource recorded ready, in the outcome's own statement", async () => {
    const { runId, environmentId } = await queuedApply();
    let lock: Awaited<ReturnType<typeof lockRow>> | null = null;
    const engine = hooked({
      after: async (address) => {
        if (address === "bastion") lock = await lockRow(environmentId, "bastion");
      },
    });
    const running = executeRun(db, runId, { workerId: "pipeline-test", engines: () => engine, heartbeatMs: 60_000 });
    try {
      // The bastion's ready waits for the lock in the statement that records the outcome (db/together.ts:
      // its writes first, the run's status after them), not in a resource statement of its own.
      await waitFor(
        async () =>
          (
            await db.execute(
              sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'with w0 as (update "environment_resources" set provider_id%'`,
            )
          ).rows.length > 0,
        "the outcome with the last ready to wait on the row lock",
      );
      const [run] = await db.select().from(runs).where(eq(runs.id, runId));
      expect(run?.status).toBe("running");
      expect((await db.select().from(environments).where(eq(environments.id, environmentId)))[0]?.status).toBe("provisioning");
    } finally {
      await (lock as Awaited<ReturnType<typeof lockRow>> | null)?.release();
    }
    expect(await running).toBe("succeeded");
    expect((await statusOf(environmentId, "bastion"))?.status).toBe("ready");
  });

  it("records the last resource ready even when the environment refuses the outcome", async () => {
    const { runId, environmentId } = await queuedApply();
    // Marked failed by hand while the last resource is made: failed → ready is refused, the run fails instead.
    const engine = hooked({
      after: async (address) => {
        if (address === "bastion")
          await db.update(environments).set({ status: "failed", failureSummary: "marked failed by hand" }).where(eq(environments.id, environmentId));
      },
    });
    expect(await executeRun(db, runId, { workerId: "pipeline-test", engines: () => engine, heartbeatMs: 60_000 })).toBe("failed");
    const [run] = await db.select().from(runs).where(eq(runs.id, runId));
    expect(run?.error).toBe("the outcome (succeeded) could not be recorded: A environment cannot go from failed to ready.");
    // The bastion exists in the cloud: its record says so, with the rest.
    const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environmentId));
    expect(rows.map((r) => [r.address, r.status]).sort()).toEqual([
      ["bastion", "ready"],
      ["bastion_sg", "ready"],
      ["network", "ready"],
      ["private_subnet", "ready"],
      ["public_subnet", "ready"],
    ]);
    expect(rows.find((r) => r.address === "bastion")?.providerId).toMatch(/^i-/);
  });

  it("after a failure removes the rows it tracked ahead and never asked for, but keeps an earlier attempt's", async () => {
    const failing = hooked({
      before: async (address) => {
        if (address === "public_subnet") throw new EngineError("permanent", "public_subnet: refused for the test", { address });
      },
    });
    // This attempt tracked every resource with the network (the others planned); only public_subnet was asked for.
    const first = await queuedApply();
    expect(await executeRun(db, first.runId, { workerId: "pipeline-test", engines: () => failing, heartbeatMs: 60_000 })).toBe("failed");
    const [failed] = await db.select().from(environments).where(eq(environments.id, first.environmentId));
    expect(failed?.failureSummary).toMatch(/Cleaned up: 2 of 2 resources destroyed\.$/);
    // Planned with the network, never asked for: removed (the next attempt plans them again).
    const left = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, first.environmentId));
    expect(left.map((r) => [r.address, r.status]).sort()).toEqual([
      ["network", "deleted"],
      ["public_subnet", "deleted"],
    ]);

    // An earlier attempt tracked private_subnet (it may have made it): cleanup must look it up.
    const second = await queuedApply();
    await db.insert(environmentResources).values({
      environmentId: second.environmentId,
      address: "private_subnet",
      type: "subnet",
      idempotencyKey: `${second.environmentId}/private_subnet`,
      status: "creating",
      properties: {},
      tags: {},
      hourlyMicros: 0,
    });
    expect(await executeRun(db, second.runId, { workerId: "pipeline-test", engines: () => failing, heartbeatMs: 60_000 })).toBe("failed");
    const [kept] = await db.select().from(environments).where(eq(environments.id, second.environmentId));
    expect(kept?.failureSummary).toMatch(/Cleaned up: 3 of 3 resources destroyed\.$/);
  });
});
