/**
 * Approving and rejecting requests. One transaction per decision: the request row is locked,
 * the policy's separation-of-duties and stage rules are checked against the live approvals,
 * the approval is recorded, and when the last stage completes the request becomes approved and
 * is queued for provisioning in the same transaction. Two approvers at once, a double click or
 * a retried call make exactly one transition.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { approvals, requests } from "~/db/schema";
import type { RequestStatus } from "~/db/vocabulary";
import { approvalState, canApprove, canReject, type PolicyDecision } from "~/server/policy";
import { recordAudit } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { assertTransition } from "~/server/core/lifecycle";
import { applyExtension } from "./extensions";
import { reopenApplyWithNewPlan } from "./saved-plans";
import { startUpdate } from "./updates";
import { wakeFleetRollout } from "~/server/jobs/fleet-wakeup";
import { enqueue } from "~/server/jobs/registry";
import { requestLabel, templateNameOf, toRecord } from "./requests";
import { canReadRequest, policyPrincipal } from "~/server/access/rules";
import { applyReconcile } from "./reconcile";
import { actorOf, type Viewer } from "./users";

const finalStates: Record<string, string> = {
  rejected: "it was already rejected",
  cancelled: "it was cancelled",
  approved: "it is already approved",
  queued: "it is already approved and queued",
  provisioning: "it is already being provisioned",
  ready: "its environment is already ready",
  failed: "its provisioning failed",
  applied: "it is already applied",
  destroyed: "its environment was destroyed",
};

export async function decideRequest(
  db: Database,
  viewer: Viewer,
  input: { requestId: string; expectedVersion: number; decision: "approved" | "rejected"; comment: string },
) {
  const actor = actorOf(viewer);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(requests).where(eq(requests.id, input.requestId)).for("update").limit(1);
    if (!row || !canReadRequest(viewer, row)) throw notFound("Request");
    const verb = input.decision === "approved" ? "approved" : "rejected";
    if (row.status !== "pending_approval")
      throw new ServiceError("conflict", `${requestLabel(row)} cannot be ${verb}: ${finalStates[row.status] ?? row.status}.`);
    if (row.version !== input.expectedVersion) {
      throw new ServiceError("conflict", `${requestLabel(row)} was changed after you opened it; review the new version before deciding.`);
    }
    const decision = row.decision as PolicyDecision;
    const live = await tx
      .select()
      .from(approvals)
      .where(and(eq(approvals.requestId, row.id), isNull(approvals.supersededAt)));
    const records = live.map(toRecord);
    const approver = policyPrincipal(viewer, row.teamId);
    const check = (input.decision === "approved" ? canApprove : canReject)({
      stages: decision.stages,
      approvals: records,
      requesterId: row.requesterId,
      approver,
    });
    if (!check.ok) throw new ServiceError("forbidden", check.reason);

    const now = new Date();
    const [approval] = await tx
      .insert(approvals)
      .values({
        requestId: row.id,
        approverId: viewer.id,
        decision: input.decision,
        capacity: check.capacity,
        stageIndex: check.stageIndex,
        comment: input.comment,
        requestVersion: row.version,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!approval) throw new ServiceError("conflict", `You already decided on ${requestLabel(row)}.`);
    const state = approvalState(decision.stages, [...records, toRecord(approval)], row.requesterId);
    const label = requestLabel(row);
    await recordAudit(tx, actor, {
      action: input.decision === "approved" ? "request.approval_recorded" : "request.rejected",
      subjectType: "request",
      subjectId: row.id,
      teamId: row.teamId,
      correlationId: row.id,
      after: { stage: check.stageIndex + 1, capacity: check.capacity, comment: input.comment || null, remaining: state.remaining },
    });

    const data = {
      requestId: row.id,
      number: label,
      teamId: row.teamId,
      environmentName: row.environmentName,
      tier: row.tier,
      template: await templateNameOf(tx, row.templateVersionId),
    };
    let status: RequestStatus = row.status;
    if (state.rejected || state.complete) {
      // Extensions and reconciles take effect at once (applied), not through provisioning.
      const extension = row.kind === "extend" || row.kind === "reconcile";
      const update = row.kind === "update";
      status = state.rejected ? "rejected" : extension ? "applied" : "queued";
      // An extension passes through approved: applyExtension (below) makes it applied.
      const written: RequestStatus = extension && state.complete ? "approved" : status;
      assertTransition("request", row.status, written);
      await tx
        .update(requests)
        .set({ status: written, decidedAt: now, queuedAt: state.complete && !extension ? now : null, version: row.version + 1, updatedAt: now })
        .where(and(eq(requests.id, row.id), eq(requests.version, row.version)));
      if (state.complete && extension) {
        await recordAudit(tx, actor, {
          action: "request.approved",
          subjectType: "request",
          subjectId: row.id,
          teamId: row.teamId,
          correlationId: row.id,
          before: { status: row.status },
          after: { status: "applied" },
        });
        // The extension takes effect in this same transaction (applied, audited, tags update queued).
        if (row.kind === "reconcile") await applyReconcile(tx, { ...row, decidedAt: now }, actor, now);
        else await applyExtension(tx, { ...row, decidedAt: now }, actor, now);
      } else if (state.complete && update) {
        // The change starts in this same transaction: its update run is queued (audited there).
        await startUpdate(tx, { ...row, status: "queued", decidedAt: now }, actor, now, "approvals complete");
      } else if (state.complete) {
        await recordAudit(tx, actor, {
          action: "request.approved",
          subjectType: "request",
          subjectId: row.id,
          teamId: row.teamId,
          correlationId: row.id,
          before: { status: row.status },
          after: { status: "queued" },
        });
        // A terraform plan that changed after approval, approved now: its apply reopens with it.
        if (!(await reopenApplyWithNewPlan(tx, row.id))) await enqueue(tx, "provisionRequest", { requestId: row.id });
      }
      // A fleet rollout waiting on this change hears the decision now (skipped, or under way).
      if (update && row.environmentId) await wakeFleetRollout(tx, row.environmentId);
      await publishEvent(tx, {
        type: state.rejected ? "request.rejected" : "request.approved",
        teamId: row.teamId,
        subject: `requests/${row.id}`,
        data: { ...data, status, decidedBy: viewer.name, comment: input.comment || null },
        notify: {
          userIds: [row.requesterId],
          kind: state.rejected ? "request_rejected" : "request_approved",
          title: state.rejected ? `${label} ${row.environmentName} was rejected` : `${label} ${row.environmentName} was approved`,
          body: state.rejected
            ? `${viewer.name}: ${input.comment}`
            : row.kind === "reconcile"
              ? "The reconcile run is queued."
              : extension
                ? `The extension by ${row.ttlHours} h is applied.`
                : update
                  ? "The change is being applied."
                  : "It is queued for provisioning.",
          link: `/requests/${row.id}`,
          requestId: row.id,
        },
      });
      if (status === "queued") {
        await publishEvent(tx, { type: "request.queued", teamId: row.teamId, subject: `requests/${row.id}`, data: { ...data, status } });
        // The queue wait starts when the approval commits, not when its transaction began: stamped
        // last (database clock, as the runner's); the job queued above becomes visible at the same commit.
        await tx
          .update(requests)
          .set({ queuedAt: sql`clock_timestamp()` })
          .where(eq(requests.id, row.id));
      }
    }
    return { id: row.id, status, stage: check.stageIndex + 1, remaining: state.remaining, complete: state.complete, rejected: state.rejected };
  });
}
