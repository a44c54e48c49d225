/**
 * The drift schedule and actions: first checks spread over the tier's interval by the
 * environment's id, due checks queued in bounded batches skipping environments with a run in
 * progress, "Check now" one run at a time, acknowledging drift until it changes, the policy's
 * check interval validated with the field named.
 */
import { randomUUID } from "node:crypto";
import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, runs } from "~/db/schema";
import { causeDrift } from "~/server/engines/sim/chaos";
import type { SimEngine } from "~/server/engines/sim/engine";
import { executeRun } from "~/server/runner/execute";
import { createRun } from "~/server/runs/store";
import { driftCheckIntervalMs, driftPhaseMs, nextDriftCheckAt } from "~/server/templates/drift-policy";
import { policySpec } from "~/server/templates/format";
import { createTestDatabase } from "~/testing/db";
import { driftWorld, type DriftWorld } from "~/testing/drift";
import { callerFor } from "~/testing/fixtures";
import { queueDueDriftChecks } from "./drift";

let db: Database;
let sim: SimEngine;
let ownerId: string;
let provision: () => Promise<string>;
let runner: DriftWorld["runner"];

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  const world = await driftWorld(db);
  ({ sim, ownerId, runner } = world);
  provision = () => world.readyBastion("sched");
});

const activeDriftRuns = async (ids: string[]) =>
  (await db.select().from(runs).where(inArray(runs.environmentId, ids))).filter((r) => r.kind === "drift" && r.status === "queued");

describe("drift policy", () => {
  it("defaults to dev 24 h, staging 6 h, prod 1 h, and names the field of a bad interval", () => {
    const policy = policySpec.parse({ ttl: {}, approvals: {} });
    expect(["dev", "staging", "prod"].map((t) => driftCheckIntervalMs(policy, t as "dev") / 3_600_000)).toEqual([24, 6, 1]);
    expect(driftCheckIntervalMs(policySpec.parse({ ttl: {}, approvals: {}, drift: { checkEvery: { dev: "2d" } } }), "dev")).toBe(48 * 3_600_000);
    const bad = policySpec.safeParse({ ttl: {}, approvals: {}, drift: { checkEvery: { prod: "often" } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path.join(".")).toBe("drift.checkEvery.prod");
    expect(bad.error!.issues[0]!.message).toMatch(/duration/);
  });

  it("spreads a fleet over the interval by a stable hash of each id", () => {
    const from = new Date("2030-01-01T00:00:00Z");
    const hour = 3_600_000;
    const slots = Array.from({ length: 200 }, () => nextDriftCheckAt(randomUUID(), hour, from).getTime() - from.getTime());
    for (const s of slots) expect(s > 0 && s <= hour).toBe(true);
    // 200 ids over 10 buckets of 6 minutes: every bucket gets some.
    const buckets = new Set(slots.map((s) => Math.floor((s / hour) * 10)));
    expect(buckets.size).toBe(10);
    const id = randomUUID();
    expect(nextDriftCheckAt(id, hour, from)).toEqual(nextDriftCheckAt(id, hour, from));
    // The next slot after a check is one interval later, on the same phase.
    const first = nextDriftCheckAt(id, hour, from);
    expect(nextDriftCheckAt(id, hour, first).getTime() - first.getTime()).toBe(hour);
  });
  it("never checks again within half an interval of a check made off its phase (check now, a confirming check)", () => {
    const hour = 3_600_000;
    const from = new Date("2030-01-01T00:17:23Z");
    for (let i = 0; i < 200; i++) {
      const id = randomUUID();
      const next = nextDriftCheckAt(id, hour, from, hour / 2).getTime() - from.getTime();
      expect(next >= hour / 2 && next <= 1.5 * hour).toBe(true);
      // Still on the environment's phase.
      expect((next + from.getTime() - driftPhaseMs(id, hour)) % hour).toBe(0);
      // On its phase, the next check is one interval later, as before.
      const onPhase = nextDriftCheckAt(id, hour, from);
      expect(nextDriftCheckAt(id, hour, onPhase, hour / 2).getTime() - onPhase.getTime()).toBe(hour);
    }
  });
});

describe("queueing due drift checks", () => {
  it("schedules first checks on their phase, then queues due ones in bounded batches, skipping environments with a run in progress", async () => {
    const ids = [await provision(), await provision(), await provision()];
    const now = new Date();
    const first = await queueDueDriftChecks(db, { now });
    expect(first.queued).toEqual([]);
    expect(first.scheduled).toBeGreaterThanOrEqual(3);
    const rows = await db.select().from(environments).where(inArray(environments.id, ids));
    for (const r of rows) {
      const wait = r.driftNextCheckAt!.getTime() - now.getTime();
      expect(wait > 0 && wait <= 6 * 3_600_000).toBe(true);
    }

    // One of them is busy: it is skipped, the others are queued one per batch of 1.
    const busy = await createRun(db, { environmentId: ids[0]!, kind: "update" });
    expect(busy).not.toBeNull();
    const later = new Date(now.getTime() + 7 * 3_600_000);
    const a = await queueDueDriftChecks(db, { now: later, batch: 1 });
    const b = await queueDueDriftChecks(db, { now: later, batch: 1 });
    const c = await queueDueDriftChecks(db, { now: later, batch: 1 });
    expect(a.queued).toHaveLength(1);
    expect(b.queued).toHaveLength(1);
    expect(c.queued).toEqual([]);
    expect([...a.queued, ...b.queued].map((q) => q.environmentId).sort()).toEqual([ids[1], ids[2]].sort());
    expect((await activeDriftRuns(ids)).map((r) => r.environmentId).sort()).toEqual([ids[1], ids[2]].sort());
    // Their next check moved on: queued again only one interval later.
    const after = await db
      .select()
      .from(environments)
      .where(inArray(environments.id, [ids[1]!, ids[2]!]));
    for (const r of after) expect(r.driftNextCheckAt!.getTime()).toBeGreaterThan(later.getTime());
  });
});

describe("check now and acknowledging", () => {
  it("makes one run for a double click, refuses while a run is in progress, and shows acknowledged drift until the drift changes", async () => {
    const environmentId = await provision();
    const owner = await callerFor(db, ownerId);
    const [first, second] = await Promise.allSettled([owner.drift.checkNow({ environmentId }), owner.drift.checkNow({ environmentId })]);
    const made = [first, second].filter((r) => r.status === "fulfilled");
    expect(made).toHaveLength(1);
    const refused = [first, second].find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason.code).toBe("CONFLICT");
    expect(refused.reason.message).toMatch(/run in progress/);
    const runId = (made[0] as PromiseFulfilledResult<{ runId: string }>).value.runId;
    await executeRun(db, runId, runner());

    await expect(owner.drift.acknowledge({ environmentId, reason: "Nothing to acknowledge yet", hours: 2 })).rejects.toThrow(/no drift/);
    await causeDrift(sim.cloud, { environmentId, kind: "tag" });
    const again = await owner.drift.checkNow({ environmentId });
    await executeRun(db, again.runId, runner());
    let view = await owner.drift.get({ environmentId });
    expect(view.status).toBe("drifted");
    expect(view.report!.resources).toHaveLength(1);
    expect(view.acknowledgement).toBeNull();

    await expect(owner.drift.acknowledge({ environmentId, reason: "short", hours: 2 })).rejects.toThrow(/reason/);
    await owner.drift.acknowledge({ environmentId, reason: "Cost centre moves next week", hours: 2 });
    view = await owner.drift.get({ environmentId });
    expect(view.acknowledgement).toMatchObject({ reason: "Cost centre moves next week" });

    // New drift: no longer covered by the acknowledgement.
    await causeDrift(sim.cloud, { environmentId, kind: "property" });
    const third = await owner.drift.checkNow({ environmentId });
    await executeRun(db, third.runId, runner());
    view = await owner.drift.get({ environmentId });
    expect(view.report!.resources.some((r) => r.kind === "changed" && r.properties.some((p) => p.path === "instance_type"))).toBe(true);
    expect(view.acknowledgement).toBeNull();
    expect(view.history.map((h) => h.result)).toEqual(["drifted", "drifted", "in_sync"]);
  });
});
