/**
 * Approving and rejecting requests. One transaction per decision: the request row is locked,
 * the policy's separation-of-duties and stage rules are checked against the live approvals,
 * the approval is recorded, and when the last stage completes the request becomes approved and
 * is queued for provisioning in the same transaction. Two approvers at once, a double click or
 * a retried call make exactly one transition.
 */
import { and, eq, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Database } from "~/db/client";
import { approvals, requests, savedPlans, templates, templateVersions } from "~/db/schema";
import { sendTogether } from "~/db/together";
import type { RequestStatus } from "~/db/vocabulary";
import { approvalState, canApprove, canReject, type ApproverRole, type PolicyDecision } from "~/server/policy";
import { auditInsert, type AuditEntry } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { eventTogether } from "~/server/core/events";
import { assertTransition } from "~/server/core/lifecycle";
import { applyExtension } from "./extensions";
import { reopenApplyWithNewPlan } from "./saved-plans";
import { startUpdate } from "./updates";
import { wakeFleetRollout } from "~/server/jobs/fleet-wakeup";
import { enqueue, enqueueCall } from "~/server/jobs/registry";
import { requestLabel, toRecord } from "./requests";
import { canReadRequest, policyPrincipal } from "~/server/access/rules";
import { applyReconcile } from "./reconcile";
import { actorOf, type Viewer } from "./users";

/** A live approval as the request's first read returns it (json: the time as text). */
type LiveApproval = { approverId: string; capacity: ApproverRole; createdAt: string; decision: "approved" | "rejected" };

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
    // The request, locked first: what the next read finds is then what the decision is made on
    // (a read in the locking statement would see the approvals as they were before it waited).
    const [row] = await tx.select().from(requests).where(eq(requests.id, input.requestId)).for("update").limit(1);
    if (!row || !canReadRequest(viewer, row)) throw notFound("Request");
    // Then one read: its template's name, live approvals, and whether a changed terraform plan
    // waits for this approval.
    const [loaded] = await tx
      .select({
        template: templates.name,
        live: sql<
          LiveApproval[]
        >`(select coalesce(json_agg(json_build_object('approverId', a.approver_id, 'capacity', a.capacity, 'createdAt', a.created_at, 'decision', a.decision)), '[]'::json)
          from ${approvals} a where a.request_id = ${row.id} and a.superseded_at is null)`,
        planWaiting: sql<boolean>`exists (select 1 from ${savedPlans} p where p.request_id = ${row.id} and p.status = 'needs_approval')`,
      })
      .from(templateVersions)
      .innerJoin(templates, eq(templates.id, templateVersions.templateId))
      .where(eq(templateVersions.id, row.templateVersionId));
    if (!loaded) throw new Error(`the template version ${row.templateVersionId} of request ${row.id} is missing`);
    const verb = input.decision === "approved" ? "approved" : "rejected";
    if (row.status !== "pending_approval")
      throw new ServiceError("conflict", `${requestLabel(row)} cannot be ${verb}: ${finalStates[row.status] ?? row.status}.`);
    if (row.version !== input.expectedVersion) {
      throw new ServiceError("conflict", `${requestLabel(row)} was changed after you opened it; review the new version before deciding.`);
    }
    const decision = row.decision as PolicyDecision;
    const records = loaded.live.map((a) => toRecord({ ...a, createdAt: new Date(a.createdAt) }));
    const approver = policyPrincipal(viewer, row.teamId);
    const check = (input.decision === "approved" ? canApprove : canReject)({
      stages: decision.stages,
      approvals: records,
      requesterId: row.requesterId,
      approver,
    });
    if (!check.ok) throw new ServiceError("forbidden", check.reason);

    const now = new Date();
    const approval = { approverId: viewer.id, decision: input.decision, capacity: check.capacity, createdAt: now };
    const state = approvalState(decision.stages, [...records, toRecord(approval)], row.requesterId);
    const label = requestLabel(row);
    // Written together (one statement): the approval, its audit entry, and when it decides the
    // request, the request's move, its events and (a create) its provisioning job.
    const writes: SQLWrapper[] = [];
    // Audit entries in their order, one insert (sent with the rest).
    const audited: AuditEntry[] = [
      {
        action: input.decision === "approved" ? "request.approval_recorded" : "request.rejected",
        subjectType: "request",
        subjectId: row.id,
        teamId: row.teamId,
        correlationId: row.id,
        after: { stage: check.stageIndex + 1, capacity: check.capacity, comment: input.comment || null, remaining: state.remaining },
      },
    ];
    const calls: SQL[] = [];
    let named: Record<string, SQLWrapper> = {};
    let status: RequestStatus = row.status;
    // Extensions and reconciles take effect at once (applied), not through provisioning.
    const extension = row.kind === "extend" || row.kind === "reconcile";
    const update = row.kind === "update";
    if (state.rejected || state.complete) {
      status = state.rejected ? "rejected" : extension ? "applied" : "queued";
      // An extension passes through approved: applyExtension (below) makes it applied.
      const written: RequestStatus = extension && state.complete ? "approved" : status;
      assertTransition("request", row.status, written);
      writes.push(
        tx
          .update(requests)
          .set({
            status: written,
            decidedAt: now,
            // Stamped again by the transaction's last statement (below).
            queuedAt: status === "queued" ? now : null,
            version: row.version + 1,
            updatedAt: now,
          })
          .where(and(eq(requests.id, row.id), eq(requests.version, row.version))),
      );
      if (state.complete && !update) {
        audited.push({
          action: "request.approved",
          subjectType: "request",
          subjectId: row.id,
          teamId: row.teamId,
          correlationId: row.id,
          before: { status: row.status },
          after: { status: extension ? "applied" : "queued" },
        });
      }
      // A create's apply starts from its job; a terraform plan that changed after approval reopens its apply instead (below).
      if (state.complete && !extension && !update && !loaded.planWaiting) calls.push(enqueueCall("provisionRequest", { requestId: row.id }));
      const data = {
        requestId: row.id,
        number: label,
        teamId: row.teamId,
        environmentName: row.environmentName,
        tier: row.tier,
        template: loaded.template,
      };
      const events = eventTogether(tx, [
        {
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
        },
        ...(status === "queued"
          ? [{ type: "request.queued" as const, teamId: row.teamId, subject: `requests/${row.id}`, data: { ...data, status } }]
          : []),
      ]);
      writes.push(...events.writes);
      calls.push(...events.calls);
      named = events.named;
    }
    const recorded = await sendTogether(tx, {
      counted: tx
        .insert(approvals)
        .values({ requestId: row.id, ...approval, stageIndex: check.stageIndex, comment: input.comment, requestVersion: row.version })
        .onConflictDoNothing()
        .returning({ id: approvals.id }),
      writes: [auditInsert(tx, actor, audited), ...writes],
      named,
      calls,
    });
    // Rolls back everything written with it.
    if (recorded.counted === 0) throw new ServiceError("conflict", `You already decided on ${requestLabel(row)}.`);

    if (state.complete && extension) {
      // The extension takes effect in this same transaction (applied, audited, tags update queued).
      if (row.kind === "reconcile") await applyReconcile(tx, { ...row, decidedAt: now }, actor, now);
      else await applyExtension(tx, { ...row, decidedAt: now }, actor, now);
    } else if (state.complete && update) {
      // The change starts in this same transaction: its update run is queued (audited there).
      await startUpdate(tx, { ...row, status: "queued", decidedAt: now }, actor, now, "approvals complete");
    } else if (state.complete && loaded.planWaiting) {
      // A terraform plan that changed after approval, approved now: its apply reopens with it.
      if (!(await reopenApplyWithNewPlan(tx, row.id))) await enqueue(tx, "provisionRequest", { requestId: row.id });
    }
    // A fleet rollout waiting on this change hears the decision now (skipped, or under way).
    if ((state.rejected || state.complete) && update && row.environmentId) await wakeFleetRollout(tx, row.environmentId);
    // The queue wait starts when the approval commits, not while its writes (their triggers, its job) are
    // still being made: stamped by the last statement (database clock, as the runner's), just before the
    // commit that makes the job visible. One round trip more for a truer approval → apply start.
    if (status === "queued")
      await tx
        .update(requests)
        .set({ queuedAt: sql`clock_timestamp()` })
        .where(eq(requests.id, row.id));
    return { id: row.id, status, stage: check.stageIndex + 1, remaining: state.remaining, complete: state.complete, rejected: state.rejected };
  });
}
