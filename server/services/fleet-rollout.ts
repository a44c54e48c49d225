/**
 * Fleet rollouts (issue 14), the admin's side: the dry run, starting a staged rollout (a canary
 * batch, then batches of a chosen size, a failure threshold per batch, what to do with updates
 * that need approval), pause, resume and cancel, and reading them. Every environment moves
 * through an ordinary update request (submitUpdate) and its update run: the worker advances the
 * rollout (./fleet-rollout-progress.ts, job advanceFleetRollout); services only enqueue.
 */
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import {
  environments,
  fleetRolloutTargets,
  fleetRollouts,
  requests,
  teams,
  templates,
  templateVersions,
  users,
  type FleetRollout,
} from "~/db/schema";
import type { FleetRolloutStatus } from "~/db/vocabulary";
import { recordAudit } from "~/server/core/audit";
import { ServiceError } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { enqueue } from "~/server/jobs/registry";
import { planFleetRollout, type FleetPlanInput } from "./fleet-rollout-plan";
import { requestLabel } from "./requests";
import { semverOrder } from "./template-versions";
import { actorOf, type Viewer } from "./users";

export type StartRolloutInput = FleetPlanInput & {
  /** The canary batch: a number of environments, or a percentage of those planned (at least one). */
  canary: { size: number; unit: "environments" | "percent" };
  batchSize: number;
  /** Halt when a batch has more failures than `maxFailures`, or a failed share above `maxFailurePercent` (either may be absent, not both). */
  maxFailures?: number;
  maxFailurePercent?: number;
  /** Updates that need approval: request them and wait, or skip them (admin, reason required). */
  approvals: { mode: "wait" } | { mode: "skip"; reason: string };
  /** Required when the dry run replaces or deletes a stateful resource somewhere. */
  confirmDestructive?: boolean;
};

export const batchLabel = (batch: number) => (batch === 0 ? "the canary" : `batch ${batch}`);

/** The dry run: what rolling `targetVersion` out would do to every environment behind it. */
export async function dryRunRollout(db: Database, viewer: Viewer, input: FleetPlanInput, now = new Date()) {
  return db.transaction((tx) => planFleetRollout(tx, viewer, input, now));
}

/** Splits `count` planned environments into the canary and batches: [canary, batch 1, …] sizes. */
export function batchSizes(count: number, canary: StartRolloutInput["canary"], batchSize: number): number[] {
  if (count === 0) return [];
  const canarySize = Math.min(count, Math.max(1, canary.unit === "percent" ? Math.ceil((count * canary.size) / 100) : canary.size));
  const sizes = [canarySize];
  for (let left = count - canarySize; left > 0; left -= batchSize) sizes.push(Math.min(batchSize, left));
  return sizes;
}

export async function startRollout(db: Database, viewer: Viewer, input: StartRolloutInput, now = new Date()) {
  if (input.maxFailures === undefined && input.maxFailurePercent === undefined)
    throw new ServiceError("invalid", "Set a failure threshold: a number of failures, a percentage, or both.", "maxFailures");
  const actor = actorOf(viewer);
  return db.transaction(async (tx) => {
    const plan = await planFleetRollout(tx, viewer, input, now);
    const [open] = await tx
      .select({ id: fleetRollouts.id, targetVersion: fleetRollouts.targetVersion })
      .from(fleetRollouts)
      .where(and(eq(fleetRollouts.templateId, plan.template.id), inArray(fleetRollouts.status, ["running", "paused", "halted"])))
      .for("update")
      .limit(1);
    if (open)
      throw new ServiceError(
        "conflict",
        `A rollout of ${plan.template.name} ${open.targetVersion} is still open: finish or cancel it first.`,
        "targetVersion",
      );
    if (plan.planned.length === 0)
      throw new ServiceError("invalid", `No environment of ${plan.template.name} can be moved to ${plan.target.version} now.`, "targetVersion");
    if (plan.totals.statefulReplacements > 0 && input.confirmDestructive !== true)
      throw new ServiceError(
        "invalid",
        `The rollout replaces ${plan.totals.statefulReplacements} stateful resources (their data is lost): confirm it to go on.`,
        "confirmDestructive",
      );
    const sizes = batchSizes(plan.planned.length, input.canary, input.batchSize);
    const [rollout] = await tx
      .insert(fleetRollouts)
      .values({
        templateId: plan.template.id,
        targetVersionId: plan.target.id,
        targetVersion: plan.target.version,
        canarySize: sizes[0]!,
        batchSize: input.batchSize,
        maxFailures: input.maxFailures ?? null,
        maxFailurePercent: input.maxFailurePercent ?? null,
        approvalMode: input.approvals.mode,
        approvalSkipReason: input.approvals.mode === "skip" ? input.approvals.reason : null,
        confirmDestructive: input.confirmDestructive === true,
        batchCount: sizes.length,
        totals: plan.totals,
        createdBy: viewer.id,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!rollout) throw new Error("rollout insert returned nothing");
    const batchOf: number[] = sizes.flatMap((size, batch) => Array<number>(size).fill(batch));
    await tx.insert(fleetRolloutTargets).values([
      ...plan.planned.map((p, i) => ({
        rolloutId: rollout.id,
        environmentId: p.environmentId,
        teamId: p.teamId,
        batch: batchOf[i]!,
        fromVersion: p.fromVersion,
      })),
      ...plan.refused.map((r) => ({
        rolloutId: rollout.id,
        environmentId: r.environmentId,
        teamId: r.teamId,
        batch: null,
        status: "skipped" as const,
        reason: r.reason,
        fromVersion: r.fromVersion,
        finishedAt: now,
      })),
    ]);
    const settings = {
      templateName: plan.template.name,
      targetVersion: plan.target.version,
      batches: sizes,
      maxFailures: rollout.maxFailures,
      maxFailurePercent: rollout.maxFailurePercent,
      approvals: input.approvals.mode,
    };
    await recordAudit(tx, actor, {
      action: "fleet.rollout_started",
      subjectType: "fleet_rollout",
      subjectId: rollout.id,
      correlationId: rollout.id,
      after: { ...settings, approvalSkipReason: rollout.approvalSkipReason, totals: plan.totals },
    });
    // Each team hears about its own environments: the owners before their update, the webhooks with the schedule.
    for (const [teamId, planned] of groupBy(plan.planned, (p) => p.teamId)) {
      const schedule = planned.map((p) => `${p.name} (${batchLabel(batchOf[plan.planned.indexOf(p)]!)})`);
      await publishEvent(tx, {
        type: "fleet.rollout_started",
        teamId,
        subject: `fleet-rollouts/${rollout.id}`,
        data: {
          rolloutId: rollout.id,
          ...settings,
          environments: planned.map((p) => ({ environmentId: p.environmentId, name: p.name, batch: batchOf[plan.planned.indexOf(p)]! })),
        },
        notify: {
          userIds: planned.map((p) => p.ownerId),
          kind: "fleet_rollout",
          title: `${plan.template.name} ${plan.target.version} is being rolled out to your environments`,
          body: `Scheduled: ${schedule.join(", ")}. Each is updated in its turn; you hear the result.`,
          link: `/catalog/${plan.template.name}/fleet`,
        },
      });
    }
    await enqueue(tx, "advanceFleetRollout", { rolloutId: rollout.id });
    return { rolloutId: rollout.id, batches: sizes, totals: plan.totals };
  });
}

async function lockRollout(tx: Executor, rolloutId: string) {
  const [rollout] = await tx.select().from(fleetRollouts).where(eq(fleetRollouts.id, rolloutId)).for("update").limit(1);
  if (!rollout) throw new ServiceError("not_found", "Fleet rollout was not found.", "rolloutId");
  return rollout;
}

const statusWords: Record<FleetRolloutStatus, string> = {
  running: "running",
  paused: "paused",
  halted: "halted",
  cancelled: "cancelled",
  finished: "finished",
};

async function move(db: Database, viewer: Viewer, input: { rolloutId: string; reason?: string }, action: "pause" | "resume" | "cancel", now: Date) {
  const allowed: Record<typeof action, FleetRolloutStatus[]> = {
    pause: ["running"],
    resume: ["paused", "halted"],
    cancel: ["running", "paused", "halted"],
  };
  return db.transaction(async (tx) => {
    const rollout = await lockRollout(tx, input.rolloutId);
    if (!allowed[action].includes(rollout.status))
      throw new ServiceError(
        "conflict",
        `This rollout is ${statusWords[rollout.status]}: it cannot be ${action === "cancel" ? "cancelled" : `${action}d`}.`,
        "rolloutId",
      );
    const to: FleetRolloutStatus = action === "pause" ? "paused" : action === "resume" ? "running" : "cancelled";
    // Resuming a halted rollout accepts the failed batch: the next one starts.
    const nextBatch = action === "resume" && rollout.status === "halted" ? rollout.currentBatch + 1 : rollout.currentBatch;
    await tx
      .update(fleetRollouts)
      .set({
        status: to,
        currentBatch: nextBatch,
        haltReason: action === "resume" ? null : rollout.haltReason,
        finishedAt: to === "cancelled" ? now : null,
        updatedAt: now,
      })
      .where(eq(fleetRollouts.id, rollout.id));
    if (action === "cancel") {
      await tx
        .update(fleetRolloutTargets)
        .set({ status: "skipped", reason: "the rollout was cancelled", finishedAt: now })
        .where(and(eq(fleetRolloutTargets.rolloutId, rollout.id), eq(fleetRolloutTargets.status, "pending")));
      await publishFinished(tx, rollout, "cancelled");
    } else {
      const [template] = await tx.select({ name: templates.name }).from(templates).where(eq(templates.id, rollout.templateId));
      for (const teamId of await teamsOf(tx, rollout.id))
        await publishEvent(tx, {
          type: to === "paused" ? "fleet.paused" : "fleet.resumed",
          teamId,
          subject: `fleet-rollouts/${rollout.id}`,
          data: {
            rolloutId: rollout.id,
            templateName: template?.name ?? null,
            targetVersion: rollout.targetVersion,
            batch: nextBatch,
            by: viewer.name,
          },
        });
    }
    await recordAudit(tx, actorOf(viewer), {
      action: `fleet.rollout_${to === "running" ? "resumed" : to}`,
      subjectType: "fleet_rollout",
      subjectId: rollout.id,
      correlationId: rollout.id,
      before: { status: rollout.status, currentBatch: rollout.currentBatch, haltReason: rollout.haltReason },
      after: { status: to, currentBatch: nextBatch, ...(input.reason ? { reason: input.reason } : {}) },
    });
    if (to === "running") await enqueue(tx, "advanceFleetRollout", { rolloutId: rollout.id });
    return { rolloutId: rollout.id, status: to };
  });
}

export const pauseRollout = (db: Database, viewer: Viewer, input: { rolloutId: string }, now = new Date()) => move(db, viewer, input, "pause", now);
export const resumeRollout = (db: Database, viewer: Viewer, input: { rolloutId: string }, now = new Date()) => move(db, viewer, input, "resume", now);
export const cancelRollout = (db: Database, viewer: Viewer, input: { rolloutId: string; reason?: string }, now = new Date()) =>
  move(db, viewer, input, "cancel", now);

/** fleet.finished per team touched (webhooks), and the admin who started it is told once. */
export async function publishFinished(tx: Executor, rollout: FleetRollout, outcome: "finished" | "cancelled") {
  const counts = await countsOf(tx, rollout.id);
  const [template] = await tx.select({ name: templates.name }).from(templates).where(eq(templates.id, rollout.templateId));
  const teamIds = await teamsOf(tx, rollout.id);
  const summary = `${counts.succeeded} updated, ${counts.failed} failed, ${counts.skipped} skipped`;
  for (const [i, teamId] of teamIds.entries())
    await publishEvent(tx, {
      type: "fleet.finished",
      teamId,
      subject: `fleet-rollouts/${rollout.id}`,
      data: { rolloutId: rollout.id, templateName: template?.name ?? null, targetVersion: rollout.targetVersion, outcome, counts },
      notify:
        i === 0
          ? {
              userIds: [rollout.createdBy],
              kind: "fleet_rollout",
              title: `The rollout of ${template?.name ?? "the template"} ${rollout.targetVersion} ${outcome === "cancelled" ? "was cancelled" : "finished"}`,
              body: `${summary}.`,
              link: `/catalog/${template?.name ?? ""}/fleet`,
            }
          : null,
    });
}

export async function countsOf(tx: Executor, rolloutId: string) {
  const rows = await tx.select({ status: fleetRolloutTargets.status }).from(fleetRolloutTargets).where(eq(fleetRolloutTargets.rolloutId, rolloutId));
  const counts = { pending: 0, skipped: 0, awaiting_approval: 0, running: 0, succeeded: 0, failed: 0 };
  for (const r of rows) counts[r.status]++;
  return counts;
}

async function teamsOf(tx: Executor, rolloutId: string): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ teamId: fleetRolloutTargets.teamId })
    .from(fleetRolloutTargets)
    .where(eq(fleetRolloutTargets.rolloutId, rolloutId));
  return rows.map((r) => r.teamId);
}

export function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** The rollouts of a template, newest first, and the versions it may target (admins and auditors). */
export async function listRollouts(db: Database, input: { templateName: string }) {
  const [template] = await db.select({ id: templates.id }).from(templates).where(eq(templates.name, input.templateName)).limit(1);
  if (!template) throw new ServiceError("not_found", `Template ${input.templateName} was not found.`, "templateName");
  const rows = await db
    .select({ rollout: fleetRollouts, startedBy: users.name })
    .from(fleetRollouts)
    .innerJoin(users, eq(users.id, fleetRollouts.createdBy))
    .where(eq(fleetRollouts.templateId, template.id))
    .orderBy(desc(fleetRollouts.createdAt))
    .limit(20);
  const versions = await db
    .select({ version: templateVersions.version })
    .from(templateVersions)
    .where(and(eq(templateVersions.templateId, template.id), eq(templateVersions.status, "published")))
    .orderBy(...semverOrder);
  return {
    /** Published versions, newest first: what a rollout may target. */
    versions: versions.map((v) => v.version),
    rollouts: await Promise.all(
      rows.map(async ({ rollout, startedBy }) => ({ ...summaryOf(rollout), startedBy, counts: await countsOf(db, rollout.id) })),
    ),
  };
}

function summaryOf(r: FleetRollout) {
  return {
    id: r.id,
    targetVersion: r.targetVersion,
    status: r.status,
    currentBatch: r.currentBatch,
    batchCount: r.batchCount,
    canarySize: r.canarySize,
    batchSize: r.batchSize,
    maxFailures: r.maxFailures,
    maxFailurePercent: r.maxFailurePercent,
    approvalMode: r.approvalMode,
    approvalSkipReason: r.approvalSkipReason,
    haltReason: r.haltReason,
    totals: r.totals,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}

/** One rollout with every environment's result, by batch (admins and auditors). */
export async function getRollout(db: Database, input: { rolloutId: string }) {
  const [row] = await db
    .select({ rollout: fleetRollouts, startedBy: users.name, templateName: templates.name })
    .from(fleetRollouts)
    .innerJoin(users, eq(users.id, fleetRollouts.createdBy))
    .innerJoin(templates, eq(templates.id, fleetRollouts.templateId))
    .where(eq(fleetRollouts.id, input.rolloutId))
    .limit(1);
  if (!row) throw new ServiceError("not_found", "Fleet rollout was not found.", "rolloutId");
  const targets = await db
    .select({
      environmentId: fleetRolloutTargets.environmentId,
      name: environments.name,
      tier: environments.tier,
      teamName: teams.name,
      batch: fleetRolloutTargets.batch,
      status: fleetRolloutTargets.status,
      reason: fleetRolloutTargets.reason,
      fromVersion: fleetRolloutTargets.fromVersion,
      rolledBack: fleetRolloutTargets.rolledBack,
      requestId: fleetRolloutTargets.requestId,
      requestNumber: requests.number,
      startedAt: fleetRolloutTargets.startedAt,
      finishedAt: fleetRolloutTargets.finishedAt,
    })
    .from(fleetRolloutTargets)
    .innerJoin(environments, eq(environments.id, fleetRolloutTargets.environmentId))
    .innerJoin(teams, eq(teams.id, fleetRolloutTargets.teamId))
    .leftJoin(requests, eq(requests.id, fleetRolloutTargets.requestId))
    .where(eq(fleetRolloutTargets.rolloutId, row.rollout.id))
    .orderBy(asc(fleetRolloutTargets.batch), asc(environments.name));
  return {
    ...summaryOf(row.rollout),
    templateName: row.templateName,
    startedBy: row.startedBy,
    counts: await countsOf(db, row.rollout.id),
    targets: targets.map(({ requestNumber, ...t }) => ({ ...t, request: requestNumber === null ? null : requestLabel({ number: requestNumber }) })),
  };
}
