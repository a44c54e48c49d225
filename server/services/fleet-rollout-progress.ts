/**
 * Advancing a fleet rollout (issue 14), on the worker (job advanceFleetRollout): under a row lock
 * on the rollout, it reads each started environment's result from its update request (and the
 * rollback run after a failure), starts the pending environments of the batch under way, and
 * when every environment of the batch is settled judges it against the failure threshold: halt,
 * or the next batch, or the end. Running it twice changes nothing more than running it once: a
 * target leaves `pending` in the same transaction its request is made, under the same lock, and
 * its request's clientRequestId is derived from the rollout and environment.
 */
import { createHash } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import {
  environments,
  fleetRolloutTargets,
  fleetRollouts,
  requests,
  templates,
  users,
  type FleetRollout,
  type FleetRolloutTarget,
} from "~/db/schema";
import type { FleetTargetStatus } from "~/db/vocabulary";
import { recordAudit, systemActor } from "~/server/core/audit";
import { ServiceError } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { openChangesOf, refusalOf } from "./fleet-rollout-plan";
import { batchLabel, groupBy, publishFinished } from "./fleet-rollout";
import { submitUpdate } from "./updates";
import { activeRunOf } from "./update-evaluation";
import { loadViewer, type Viewer } from "./users";

const unsettled: FleetTargetStatus[] = ["awaiting_approval", "running"];
const settled = (s: FleetTargetStatus) => s === "succeeded" || s === "failed" || s === "skipped";

/** A stable request id per rollout and environment: a retried start finds the request it made. */
export function rolloutClientRequestId(rolloutId: string, environmentId: string): string {
  const h = createHash("sha256").update(`fleet-rollout:${rolloutId}:${environmentId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * One step of a rollout. Returns whether environments are still awaiting approval or running
 * (their changes wake it again: server/jobs/fleet-wakeup.ts).
 */
export async function advanceRollout(db: Database, rolloutId: string, now = new Date()): Promise<{ status: string; again: boolean }> {
  const [head] = await db.select({ createdBy: fleetRollouts.createdBy }).from(fleetRollouts).where(eq(fleetRollouts.id, rolloutId));
  if (!head) return { status: "missing", again: false };
  const admin = await loadViewer(db, head.createdBy);
  return db.transaction(async (tx) => {
    const [rollout] = await tx.select().from(fleetRollouts).where(eq(fleetRollouts.id, rolloutId)).for("update");
    if (!rollout) return { status: "missing", again: false };
    await refreshTargets(tx, rollout.id, now);
    let current = rollout;
    while (current.status === "running") {
      // Resumed after its last batch halted: nothing left to start.
      if (current.currentBatch >= current.batchCount) {
        current = await finishRollout(tx, current, now);
        break;
      }
      const batch = await tx
        .select()
        .from(fleetRolloutTargets)
        .where(and(eq(fleetRolloutTargets.rolloutId, current.id), eq(fleetRolloutTargets.batch, current.currentBatch)));
      const pending = batch.filter((t) => t.status === "pending");
      if (pending.length) {
        await startTargets(tx, current, pending, admin, now);
        continue; // re-read: some may have settled at once (skipped)
      }
      if (batch.some((t) => !settled(t.status))) break;
      current = await finishBatch(tx, current, batch, now);
    }
    const [left] = await tx
      .select({ id: fleetRolloutTargets.id })
      .from(fleetRolloutTargets)
      .where(and(eq(fleetRolloutTargets.rolloutId, rollout.id), inArray(fleetRolloutTargets.status, unsettled)))
      .limit(1);
    return { status: current.status, again: left !== undefined };
  });
}

/** Reads each started environment's result from its update request, and the rollback after a failure. */
async function refreshTargets(tx: Executor, rolloutId: string, now: Date) {
  const rows = await tx
    .select({ target: fleetRolloutTargets, requestStatus: requests.status, environment: environments })
    .from(fleetRolloutTargets)
    .innerJoin(requests, eq(requests.id, fleetRolloutTargets.requestId))
    .innerJoin(environments, eq(environments.id, fleetRolloutTargets.environmentId))
    .where(and(eq(fleetRolloutTargets.rolloutId, rolloutId), inArray(fleetRolloutTargets.status, unsettled)));
  for (const { target, requestStatus, environment } of rows) {
    let next: Partial<FleetRolloutTarget> | null = null;
    switch (requestStatus) {
      case "pending_approval":
      case "approved":
        if (target.status !== "awaiting_approval") next = { status: "awaiting_approval" };
        break;
      case "queued":
      case "provisioning":
        if (target.status !== "running") next = { status: "running" };
        break;
      case "applied":
        next = { status: "succeeded", reason: null, finishedAt: now };
        break;
      case "failed":
        // Settled once its rollback run has finished: back on the previous version, or failed.
        if (!(await activeRunOf(tx, environment.id)))
          next = {
            status: "failed",
            rolledBack: environment.status === "ready",
            reason: environment.failureSummary ?? "the update failed",
            finishedAt: now,
          };
        break;
      case "rejected":
        next = { status: "skipped", reason: "an approver rejected the change", finishedAt: now };
        break;
      case "cancelled":
        next = { status: "skipped", reason: "the change request was cancelled", finishedAt: now };
        break;
      default:
        break;
    }
    if (next) await tx.update(fleetRolloutTargets).set(next).where(eq(fleetRolloutTargets.id, target.id));
  }
}

/** Submits an update request per pending environment of the batch (an admin's, through the update policy). */
async function startTargets(tx: Executor, rollout: FleetRollout, pending: FleetRolloutTarget[], admin: Viewer | null, now: Date) {
  const [template] = await tx.select({ name: templates.name }).from(templates).where(eq(templates.id, rollout.templateId));
  const open = await openChangesOf(
    tx,
    pending.map((t) => t.environmentId),
  );
  for (const target of pending) {
    const skip = (reason: string) =>
      tx.update(fleetRolloutTargets).set({ status: "skipped", reason, finishedAt: now }).where(eq(fleetRolloutTargets.id, target.id));
    if (!admin) {
      await skip("the admin who started the rollout no longer exists");
      continue;
    }
    const [environment] = await tx.select().from(environments).where(eq(environments.id, target.environmentId));
    const refusal = environment ? await refusalOf(tx, environment, open.get(target.environmentId)) : "the environment is gone";
    if (refusal) {
      await skip(refusal);
      continue;
    }
    try {
      // A savepoint per environment: a refusal undoes that one submit, never the batch.
      const result = await tx.transaction((sp) =>
        submitUpdate(
          sp,
          admin,
          {
            environmentId: target.environmentId,
            templateVersion: rollout.targetVersion,
            parameters: {},
            confirmDestructive: rollout.confirmDestructive,
            justification: `Fleet rollout of ${template?.name ?? "the template"} ${rollout.targetVersion} (${batchLabel(rollout.currentBatch)})`,
            clientRequestId: rolloutClientRequestId(rollout.id, target.environmentId),
          },
          now,
          rollout.approvalMode === "skip" && rollout.approvalSkipReason ? { skipApprovals: { reason: rollout.approvalSkipReason } } : {},
        ),
      );
      await tx
        .update(fleetRolloutTargets)
        .set({ status: result.status === "pending_approval" ? "awaiting_approval" : "running", requestId: result.requestId, startedAt: now })
        .where(eq(fleetRolloutTargets.id, target.id));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      await skip(error.message);
    }
  }
}

/** Every environment of the batch settled: fleet.batch_finished per team, then halt, the next batch, or the end. */
async function finishBatch(tx: Executor, rollout: FleetRollout, batch: FleetRolloutTarget[], now: Date): Promise<FleetRollout> {
  const failed = batch.filter((t) => t.status === "failed").length;
  const succeeded = batch.filter((t) => t.status === "succeeded").length;
  const attempted = failed + succeeded;
  const overCount = rollout.maxFailures !== null && failed > rollout.maxFailures;
  const overShare = rollout.maxFailurePercent !== null && attempted > 0 && failed * 100 > rollout.maxFailurePercent * attempted;
  const label = batchLabel(rollout.currentBatch);
  const [template] = await tx.select({ name: templates.name }).from(templates).where(eq(templates.id, rollout.templateId));
  const owners = await tx
    .select({ id: environments.id, name: environments.name, ownerId: users.id })
    .from(environments)
    .innerJoin(users, eq(users.id, environments.ownerId))
    .where(
      inArray(
        environments.id,
        batch.map((t) => t.environmentId),
      ),
    );
  const envOf = new Map(owners.map((o) => [o.id, o]));
  for (const [teamId, targets] of groupBy(batch, (t) => t.teamId)) {
    const results = targets.map((t) => `${envOf.get(t.environmentId)?.name ?? t.environmentId}: ${resultWords(t)}`);
    await publishEvent(tx, {
      type: "fleet.batch_finished",
      teamId,
      subject: `fleet-rollouts/${rollout.id}`,
      data: {
        rolloutId: rollout.id,
        templateName: template?.name ?? null,
        targetVersion: rollout.targetVersion,
        batch: rollout.currentBatch,
        environments: targets.map((t) => ({ environmentId: t.environmentId, status: t.status, rolledBack: t.rolledBack, reason: t.reason })),
      },
      notify: {
        userIds: targets.map((t) => envOf.get(t.environmentId)?.ownerId).filter((id): id is string => id !== undefined),
        kind: "fleet_rollout",
        title: `Fleet rollout of ${template?.name ?? "the template"} ${rollout.targetVersion}: ${label} finished`,
        body: results.join("; "),
        link: `/catalog/${template?.name ?? ""}/fleet`,
      },
    });
  }
  await recordAudit(tx, systemActor, {
    action: "fleet.batch_finished",
    subjectType: "fleet_rollout",
    subjectId: rollout.id,
    correlationId: rollout.id,
    after: { batch: rollout.currentBatch, succeeded, failed, skipped: batch.length - attempted },
  });
  if (overCount || overShare) {
    const limits = [
      rollout.maxFailures !== null ? `more than ${rollout.maxFailures}` : null,
      rollout.maxFailurePercent !== null ? `more than ${rollout.maxFailurePercent} %` : null,
    ].filter(Boolean);
    const haltReason = `${failed} of ${attempted} updates in ${label} failed (the threshold halts at ${limits.join(" or ")})`;
    const [halted] = await tx
      .update(fleetRollouts)
      .set({ status: "halted", haltReason, updatedAt: now })
      .where(eq(fleetRollouts.id, rollout.id))
      .returning();
    await recordAudit(tx, systemActor, {
      action: "fleet.halted",
      subjectType: "fleet_rollout",
      subjectId: rollout.id,
      correlationId: rollout.id,
      after: { batch: rollout.currentBatch, haltReason },
    });
    for (const [i, teamId] of [...new Set(batch.map((t) => t.teamId))].entries())
      await publishEvent(tx, {
        type: "fleet.halted",
        teamId,
        subject: `fleet-rollouts/${rollout.id}`,
        data: {
          rolloutId: rollout.id,
          templateName: template?.name ?? null,
          targetVersion: rollout.targetVersion,
          batch: rollout.currentBatch,
          haltReason,
        },
        notify:
          i === 0
            ? {
                userIds: [rollout.createdBy],
                kind: "fleet_rollout",
                title: `The rollout of ${template?.name ?? "the template"} ${rollout.targetVersion} halted`,
                body: `${haltReason}. Resume it to go on with the next batch, or cancel it.`,
                link: `/catalog/${template?.name ?? ""}/fleet`,
              }
            : null,
      });
    return halted!;
  }
  if (rollout.currentBatch + 1 >= rollout.batchCount) return finishRollout(tx, rollout, now);
  const [next] = await tx
    .update(fleetRollouts)
    .set({ currentBatch: rollout.currentBatch + 1, updatedAt: now })
    .where(eq(fleetRollouts.id, rollout.id))
    .returning();
  return next!;
}

async function finishRollout(tx: Executor, rollout: FleetRollout, now: Date): Promise<FleetRollout> {
  const [finished] = await tx
    .update(fleetRollouts)
    .set({ status: "finished", finishedAt: now, updatedAt: now })
    .where(eq(fleetRollouts.id, rollout.id))
    .returning();
  await recordAudit(tx, systemActor, { action: "fleet.finished", subjectType: "fleet_rollout", subjectId: rollout.id, correlationId: rollout.id });
  await publishFinished(tx, finished!, "finished");
  return finished!;
}

function resultWords(t: FleetRolloutTarget): string {
  if (t.status === "succeeded") return "updated";
  if (t.status === "failed") return t.rolledBack ? "failed, rolled back" : "failed";
  return `skipped (${t.reason ?? "no reason"})`;
}
