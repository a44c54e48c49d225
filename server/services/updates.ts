/**
 * Changing a live environment (issue 14): new parameters and/or another published version of
 * its template, as a request of kind `update` through the update policy. The request carries the
 * target version and parameters and, in its plan, the diff and where it comes from. Taking
 * effect queues an `update` run (server/runner/kinds/update.ts) in the same transaction; the
 * environment row changes only when that run succeeds, and a failed one is rolled back.
 * Refused with the reason: an environment that is not ready or has a run in progress, a second
 * open update, a deprecated template, an older version unless an approver asks for a rollback,
 * and a replace or delete of a stateful resource without `confirmDestructive`.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { approvals, requests, templateVersions, type Request } from "~/db/schema";
import { afterParametersChanged } from "~/server/policy";
import { recordAudit, systemActor, type Actor } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { assertTransition } from "~/server/core/lifecycle";
import { createRun } from "~/server/runs/store";
import { canEditRequest, canReadRequest, isAdmin } from "~/server/access/rules";
import { lockTeam } from "./request-evaluation";
import { semverOrder } from "./template-versions";
import { approversToNotify, requestLabel, toRecord } from "./requests";
import { activeRunOf, environmentForChange, evaluateUpdateChange, teamOf, type UpdateEvaluation, type UpdateInput } from "./update-evaluation";
import { askApprovers, insertSubmitted, submittedBefore } from "./request-bookkeeping";
import { actorOf, type Viewer } from "./users";

export type { UpdateInput, UpdatePlan } from "./update-evaluation";

/** What the change would do: plan diff, cost delta, budget and quota impact, the policy decision, and what needs confirming. */
export async function previewUpdate(db: Database, viewer: Viewer, input: UpdateInput & { editingRequestId?: string }, now = new Date()) {
  return db.transaction(async (tx) => {
    const environment = await environmentForChange(tx, viewer, input.environmentId, false);
    const team = await teamOf(tx, environment.teamId);
    const e = await evaluateUpdateChange(tx, { viewer, environment, team, change: input, now, excludeRequestId: input.editingRequestId });
    const versions = await tx
      .select({ version: templateVersions.version })
      .from(templateVersions)
      .where(and(eq(templateVersions.templateId, e.template.id), eq(templateVersions.status, "published")))
      .orderBy(...semverOrder);
    return {
      ...e,
      /** Published versions of the template, newest first (older ones only as a rollback by an approver). */
      versions: versions.map((v) => v.version),
      needsConfirmation: e.diff.destructive,
      blockedBy: await openUpdateOf(tx, environment.id, input.editingRequestId),
    };
  });
}

async function openUpdateOf(tx: Executor, environmentId: string, except?: string) {
  const [open] = await tx
    .select({ id: requests.id, number: requests.number })
    .from(requests)
    .where(
      and(
        eq(requests.environmentId, environmentId),
        eq(requests.kind, "update"),
        sql`${requests.status} in ('pending_approval', 'approved', 'queued', 'provisioning')`,
        except ? sql`${requests.id} <> ${except}` : undefined,
      ),
    )
    .limit(1);
  return open ? { requestId: open.id, number: requestLabel(open) } : null;
}

function refuse(e: UpdateEvaluation, input: UpdateInput) {
  if (e.unchanged) throw new ServiceError("invalid", "These parameters are what the environment runs with already: nothing to change.", "parameters");
  if (e.decision.outcome === "denied") {
    const reasons = e.decision.reasons.filter((r) => r.effect === "deny").map((r) => r.message);
    throw new ServiceError("invalid", `Policy denies this change: ${reasons.join("; ")}`, "parameters");
  }
  if (e.diff.destructive.length && input.confirmDestructive !== true)
    throw new ServiceError(
      "invalid",
      `This change replaces or deletes ${e.diff.destructive.join(", ")}, which hold data that will be lost: confirm it to go on.`,
      "confirmDestructive",
    );
}

function columns(e: UpdateEvaluation) {
  return {
    templateVersionId: e.to.id,
    parameters: e.to.parameters,
    ttlHours: e.cost.remainingHours,
    plan: e.plan,
    hourlyMicros: e.cost.hourlyMicros,
    monthlyCents: e.cost.monthlyCents,
    overTtlCents: e.cost.overTtlCents,
    monthShareCents: e.cost.monthShareCents,
    usage: e.usageAdded,
    decision: e.decision,
  };
}

/** Submits a change: queued at once when the policy auto-approves it, else pending approval. Idempotent per clientRequestId. */
export async function requestUpdate(
  db: Database,
  viewer: Viewer,
  input: UpdateInput & { justification: string; clientRequestId: string },
  now = new Date(),
) {
  return db.transaction((tx) => submitUpdate(tx, viewer, input, now));
}

/**
 * requestUpdate inside the caller's transaction (the fleet rollout submits one per environment
 * under its own row lock). `skipApprovals`: an admin's fleet rollout starts a change that needs
 * approval at once, with the admin's mandatory reason audited; a denied change is still refused.
 */
export async function submitUpdate(
  tx: Executor,
  viewer: Viewer,
  input: UpdateInput & { justification: string; clientRequestId: string },
  now = new Date(),
  options: { skipApprovals?: { reason: string } } = {},
) {
  const actor = actorOf(viewer);
  const existing = await submittedBefore(tx, viewer.id, input.clientRequestId);
  if (existing) return { requestId: existing.id, number: requestLabel(existing), status: existing.status, duplicate: true };
  const environment = await environmentForChange(tx, viewer, input.environmentId, true);
  const team = await lockTeam(tx, environment.teamId);
  const open = await openUpdateOf(tx, environment.id);
  if (open)
    throw new ServiceError(
      "conflict",
      `${open.number} already changes ${environment.name}; it must finish, be rejected or be cancelled before another change.`,
      "environmentId",
    );
  const e = await evaluateUpdateChange(tx, { viewer, environment, team, change: input, now });
  refuse(e, input);
  const auto = e.decision.outcome === "auto_approved";
  const summary = describeChange(e);
  const { row, label } = await insertSubmitted(
    tx,
    actor,
    {
      kind: "update",
      environmentId: environment.id,
      teamId: environment.teamId,
      requesterId: viewer.id,
      environmentName: environment.name,
      tier: environment.tier,
      justification: input.justification,
      ...columns(e),
      clientRequestId: input.clientRequestId,
    },
    now,
    { change: summary, outcome: e.decision.outcome },
  );
  await recordAudit(tx, actor, {
    action: "environment.update_requested",
    subjectType: "environment",
    subjectId: environment.id,
    teamId: environment.teamId,
    correlationId: environment.requestId,
    before: { version: e.from.version, parameters: e.from.parameters },
    after: {
      requestId: row.id,
      version: e.to.version,
      parameters: e.to.parameters,
      counts: e.diff.counts,
      monthlyDeltaCents: e.cost.monthlyDeltaCents,
    },
  });
  await publishEvent(tx, {
    type: "environment.update_requested",
    teamId: row.teamId,
    subject: `environments/${environment.id}`,
    data: {
      environmentId: environment.id,
      requestId: row.id,
      number: label,
      name: environment.name,
      from: e.from.version,
      to: e.to.version,
      counts: e.diff.counts,
    },
  });
  if (auto) {
    await startUpdate(tx, row, systemActor, now, "auto-approved by policy");
    return { requestId: row.id, number: label, status: "queued" as const, duplicate: false };
  }
  if (options.skipApprovals) {
    if (!isAdmin(viewer)) throw new ServiceError("forbidden", "Only an admin can skip the approvals of a change.");
    await startUpdate(tx, row, actor, now, `approvals skipped by an admin: ${options.skipApprovals.reason}`);
    return { requestId: row.id, number: label, status: "queued" as const, duplicate: false };
  }
  await askApprovers(tx, row, e.decision, viewer, { what: `change ${row.environmentName} (${row.tier})`, body: `${viewer.name}: ${summary}.` });
  return { requestId: row.id, number: label, status: "pending_approval" as const, duplicate: false };
}

/** Edits a pending change (its requester only): re-evaluated, and every approval so far is cleared. */
export async function editUpdate(
  db: Database,
  viewer: Viewer,
  input: Omit<UpdateInput, "environmentId"> & { requestId: string; expectedVersion: number; justification: string },
  now = new Date(),
) {
  const actor = actorOf(viewer);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(requests).where(eq(requests.id, input.requestId)).for("update").limit(1);
    if (!current || !canReadRequest(viewer, current)) throw notFound("Request");
    if (current.kind !== "update" || !current.environmentId)
      throw new ServiceError("invalid", "Only a change request can be edited here.", "requestId");
    if (!canEditRequest(viewer, current)) throw new ServiceError("forbidden", "Only the requester can edit a request.");
    if (current.status !== "pending_approval")
      throw new ServiceError("conflict", `${requestLabel(current)} is ${current.status.replaceAll("_", " ")}: only a pending change can be edited.`);
    if (current.version !== input.expectedVersion)
      throw new ServiceError("conflict", `${requestLabel(current)} was changed after you opened it; reload it.`, "expectedVersion");
    const environment = await environmentForChange(tx, viewer, current.environmentId, true);
    const team = await lockTeam(tx, environment.teamId);
    const change = { ...input, environmentId: environment.id };
    const e = await evaluateUpdateChange(tx, { viewer, environment, team, change, now, excludeRequestId: current.id });
    refuse(e, change);
    // Any edit clears every approval: they approved something else.
    const live = await tx
      .select()
      .from(approvals)
      .where(and(eq(approvals.requestId, current.id), isNull(approvals.supersededAt)));
    const cleared = afterParametersChanged(live.map(toRecord));
    if (live.length)
      await tx
        .update(approvals)
        .set({ supersededAt: now })
        .where(and(eq(approvals.requestId, current.id), isNull(approvals.supersededAt)));
    assertTransition("request", current.status, "pending_approval");
    const [row] = await tx
      .update(requests)
      .set({ ...columns(e), justification: input.justification, version: current.version + 1, updatedAt: now })
      .where(and(eq(requests.id, current.id), eq(requests.version, current.version)))
      .returning();
    if (!row) throw new ServiceError("conflict", "The request changed meanwhile; reload it.");
    await recordAudit(tx, actor, {
      action: "request.updated",
      subjectType: "request",
      subjectId: row.id,
      teamId: row.teamId,
      correlationId: row.id,
      before: { templateVersionId: current.templateVersionId, parameters: current.parameters },
      after: { version: e.to.version, parameters: e.to.parameters, approvalsCleared: cleared.cleared.length, outcome: e.decision.outcome },
    });
    if (e.decision.outcome === "auto_approved") await startUpdate(tx, row, systemActor, now, "auto-approved by policy");
    else
      await publishEvent(tx, {
        type: "request.updated",
        teamId: row.teamId,
        subject: `requests/${row.id}`,
        data: { requestId: row.id, number: requestLabel(row), kind: "update", approvalsCleared: cleared.cleared.length },
        notify: {
          userIds: await approversToNotify(tx, row.teamId, e.decision, viewer.id),
          kind: "approval_needed",
          title: `${requestLabel(row)} changed: your approval is needed again`,
          body: cleared.reason ?? "The change was edited before any approval.",
          link: `/requests/${row.id}`,
          requestId: row.id,
        },
      });
    const [after] = await tx.select({ status: requests.status }).from(requests).where(eq(requests.id, row.id));
    return { id: row.id, version: row.version, status: after?.status ?? row.status, approvalsCleared: cleared.cleared.length };
  });
}

/**
 * Makes an approved (or auto-approved) change start, inside the caller's transaction: the
 * request becomes queued and the environment's update run is created. An environment that is
 * no longer ready or has a run in progress refuses with a conflict, and nothing changes.
 */
export async function startUpdate(tx: Executor, request: Request, actor: Actor, now: Date, reason: string): Promise<void> {
  if (request.kind !== "update" || !request.environmentId) throw new Error("not an update request");
  const [current] = await tx.select({ status: requests.status }).from(requests).where(eq(requests.id, request.id)).for("update");
  if (!current) throw notFound("Request");
  const running = await activeRunOf(tx, request.environmentId);
  if (running)
    throw new ServiceError("conflict", `${request.environmentName} has a ${running.kind} run in progress; try again when it has finished.`);
  const run = await createRun(tx, { environmentId: request.environmentId, kind: "update" });
  if (!run) throw new ServiceError("conflict", `${request.environmentName} has a run in progress; try again when it has finished.`);
  if (current.status !== "queued") {
    assertTransition("request", current.status, "queued");
    await tx
      .update(requests)
      .set({ status: "queued", decidedAt: request.decidedAt ?? now, queuedAt: now, version: sql`${requests.version} + 1`, updatedAt: now })
      .where(eq(requests.id, request.id));
  }
  await recordAudit(tx, actor, {
    action: "request.approved",
    subjectType: "request",
    subjectId: request.id,
    teamId: request.teamId,
    correlationId: request.id,
    before: { status: current.status },
    after: { status: "queued", reason, runId: run.id },
  });
}

/** "web: update (instance_type m5.large → m5.xlarge); 1.0.0 → 1.0.1". */
function describeChange(e: UpdateEvaluation): string {
  const parts = e.diff.resources
    .filter((r) => r.action !== "noop")
    .slice(0, 4)
    .map((r) => `${r.address}: ${r.action}`);
  const more = e.diff.resources.filter((r) => r.action !== "noop").length - parts.length;
  const version = e.from.version === e.to.version ? "" : `${e.from.version} → ${e.to.version}; `;
  return `${version}${parts.join(", ") || "tags only"}${more > 0 ? ` and ${more} more` : ""}`;
}
