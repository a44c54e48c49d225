/**
 * Requests: submit (auto-approved ones are queued at once), edit or cancel while pending,
 * comment, list and read. Every transition is one transaction: the request row (optimistic
 * version), its audit event (correlation id = request id: the request's timeline), the
 * notifications and webhooks, and the provisioning job.
 */
import { randomUUID } from "node:crypto";
import { and, desc, eq, ilike, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database, Executor } from "~/db/client";
import { approvals, memberships, requestComments, requests, teams, templates, templateVersions, users, type Request } from "~/db/schema";
import { afterParametersChanged, canApprove, canReject, type ApprovalRecord, type PolicyDecision } from "~/server/policy";
import type { z } from "zod";
import type { listRequestsInput } from "~/server/schemas/requests";
import { recordAudit, systemActor, type Actor } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { assertTransition } from "~/server/core/lifecycle";
import { assertEngineAvailable } from "./engine-availability";
import { wakeFleetRollout } from "~/server/jobs/fleet-wakeup";
import { enqueue } from "~/server/jobs/registry";
import { evaluateRequest, liveStatuses, lockTeam, type RequestDraft, type RequestEvaluation } from "./request-evaluation";
import {
  canApproveIn,
  canCancelRequest,
  canCommentOn,
  canEditRequest,
  canReadRequest,
  policyPrincipal,
  readableTeamIds,
} from "~/server/access/rules";
import { denialRulesOf, recordDenials } from "./slo/denials";
import { actorOf, type Viewer } from "./users";
import { reuseSourceRequest, type RequestSource } from "./pr-environments";

export const requestLabel = (r: Pick<Request, "number">) => `REQ-${r.number}`;

function deniedError(evaluation: RequestEvaluation): ServiceError {
  const reasons = evaluation.decision.reasons.filter((r) => r.effect === "deny").map((r) => r.message);
  return new ServiceError("invalid", `Policy denies this request: ${reasons.join("; ")}`, "policy");
}

/** Team approvers (and, for admin stages, admins) who may be asked to decide. */
export async function approversToNotify(tx: Executor, teamId: string, decision: PolicyDecision, requesterId: string): Promise<string[]> {
  const needsAdmin = decision.stages.some((s) => s.role === "admin");
  const teamApprovers = await tx
    .select({ id: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.teamId, teamId), eq(memberships.role, "approver")));
  const admins = needsAdmin || teamApprovers.length === 0 ? await tx.select({ id: users.id }).from(users).where(eq(users.globalRole, "admin")) : [];
  return [...new Set([...teamApprovers, ...admins].map((u) => u.id))].filter((id) => id !== requesterId);
}

function eventData(r: Request, templateName: string, extra: Record<string, unknown> = {}) {
  return {
    requestId: r.id,
    number: requestLabel(r),
    teamId: r.teamId,
    environmentName: r.environmentName,
    tier: r.tier,
    template: templateName,
    status: r.status,
    monthlyCents: r.monthlyCents,
    ...extra,
  };
}

export async function previewRequest(db: Database, viewer: Viewer, teamId: string, draft: RequestDraft & { editingRequestId?: string }) {
  return db.transaction(async (tx) => {
    const [team] = await tx.select().from(teams).where(eq(teams.id, teamId)).limit(1);
    if (!team) throw notFound("Team");
    let excludeRequestId: string | undefined;
    if (draft.editingRequestId) {
      // Only the caller's own request of this team: anyone else's stays counted (and unseen).
      const [own] = await tx
        .select({ id: requests.id })
        .from(requests)
        .where(and(eq(requests.id, draft.editingRequestId), eq(requests.requesterId, viewer.id), eq(requests.teamId, team.id)))
        .limit(1);
      if (!own) throw new ServiceError("not_found", "Request was not found.", "editingRequestId");
      excludeRequestId = own.id;
    }
    const evaluation = await evaluateRequest(tx, { team, viewer, draft, now: new Date(), excludeRequestId, requestId: excludeRequestId });
    const denied = denialRulesOf(evaluation.decision);
    if (denied.length > 0)
      await recordDenials(tx, {
        stage: "preview",
        rules: denied,
        teamId: team.id,
        userId: viewer.id,
        templateName: evaluation.template.name,
        tier: draft.tier,
      });
    return { ...evaluation, team: { id: team.id, slug: team.slug, name: team.name, costCenter: team.costCenter } };
  });
}

export async function submitRequest(
  db: Database,
  viewer: Viewer,
  input: RequestDraft & { teamId: string; justification: string; clientRequestId: string; source?: RequestSource },
) {
  const actor = actorOf(viewer);
  // A quota or budget denial rolls the submit back: it is counted after, outside it (SLI M6).
  let denial: Parameters<typeof recordDenials>[1] | null = null;
  try {
    return await submitInTransaction(db, viewer, input, actor, (d) => (denial = d));
  } catch (error) {
    if (denial) await recordDenials(db, denial).catch(() => undefined);
    throw error;
  }
}

async function submitInTransaction(
  db: Database,
  viewer: Viewer,
  input: RequestDraft & { teamId: string; justification: string; clientRequestId: string; source?: RequestSource },
  actor: ReturnType<typeof actorOf>,
  onDenied: (denial: Parameters<typeof recordDenials>[1]) => void,
) {
  return db.transaction(async (tx) => {
    const team = await lockTeam(tx, input.teamId);
    // A double submit or a retried call: the same clientRequestId gets the same request back.
    const [existing] = await tx
      .select()
      .from(requests)
      .where(and(eq(requests.requesterId, viewer.id), eq(requests.clientRequestId, input.clientRequestId)))
      .limit(1);
    if (existing) return { id: existing.id, number: requestLabel(existing), status: existing.status, duplicate: true };
    if (input.source) {
      const reused = await reuseSourceRequest(tx, actor, team.id, input.source);
      if (reused) return reused;
    }

    const id = randomUUID();
    const now = new Date();
    const evaluation = await evaluateRequest(tx, { team, viewer, draft: input, now, requestId: id });
    if (evaluation.decision.outcome === "denied") {
      const rules = denialRulesOf(evaluation.decision);
      if (rules.length > 0)
        onDenied({ stage: "submit", rules, teamId: team.id, userId: viewer.id, templateName: evaluation.template.name, tier: input.tier });
      throw deniedError(evaluation);
    }
    assertEngineAvailable(evaluation.plan.engine);
    await assertNameFree(tx, team.id, input.environmentName);

    const auto = evaluation.decision.outcome === "auto_approved";
    const [row] = await tx
      .insert(requests)
      .values({
        id,
        teamId: team.id,
        requesterId: viewer.id,
        templateVersionId: evaluation.version.id,
        environmentName: input.environmentName,
        tier: input.tier,
        parameters: evaluation.parameters,
        ttlHours: input.ttlHours,
        justification: input.justification,
        plan: evaluation.plan,
        hourlyMicros: evaluation.cost.hourlyMicros,
        monthlyCents: evaluation.cost.monthlyCents,
        overTtlCents: evaluation.cost.overTtlCents,
        monthShareCents: evaluation.cost.monthShareCents,
        usage: evaluation.plan.usage,
        decision: evaluation.decision,
        status: auto ? "queued" : "pending_approval",
        clientRequestId: input.clientRequestId,
        sourceRepository: input.source?.repository ?? null,
        sourcePullRequest: input.source?.pullRequest ?? null,
        sourceCommit: input.source?.commit ?? null,
        sourceUrl: input.source?.url ?? null,
        submittedAt: now,
        decidedAt: auto ? now : null,
        queuedAt: auto ? now : null,
      })
      .returning();
    if (!row) throw new Error("request insert returned nothing");
    const label = await auditSubmitted(tx, actor, row, {
      template: `${evaluation.template.name}@${evaluation.version.version}`,
      tier: row.tier,
      environmentName: row.environmentName,
      monthlyCents: row.monthlyCents,
      outcome: evaluation.decision.outcome,
    });
    await publishEvent(tx, {
      type: "request.submitted",
      teamId: team.id,
      subject: `requests/${row.id}`,
      data: eventData(row, evaluation.template.name),
    });
    if (auto) {
      await recordAudit(tx, systemActor, {
        action: "request.approved",
        subjectType: "request",
        subjectId: row.id,
        teamId: team.id,
        correlationId: row.id,
        after: { status: "queued", reason: "auto-approved by policy" },
      });
      await enqueue(tx, "provisionRequest", { requestId: row.id });
      await publishEvent(tx, {
        type: "request.approved",
        teamId: team.id,
        subject: `requests/${row.id}`,
        data: eventData(row, evaluation.template.name, { autoApproved: true }),
      });
      await publishEvent(tx, {
        type: "request.queued",
        teamId: team.id,
        subject: `requests/${row.id}`,
        data: eventData(row, evaluation.template.name),
      });
    } else {
      const approvers = await approversToNotify(tx, team.id, evaluation.decision, viewer.id);
      await publishEvent(tx, {
        type: "request.approval_needed",
        teamId: team.id,
        subject: `requests/${row.id}`,
        data: eventData(row, evaluation.template.name),
        notify: {
          userIds: approvers,
          kind: "approval_needed",
          title: `Your approval is needed: ${label} ${row.environmentName} (${row.tier})`,
          body: `${viewer.name} requests ${evaluation.template.title} for ${team.name}.`,
          link: `/requests/${row.id}`,
          requestId: row.id,
        },
      });
    }
    return { id: row.id, number: label, status: row.status, duplicate: false };
  });
}

/** One live environment name per team (the unique index backs this; here it gets a clear message). */
async function assertNameFree(tx: Executor, teamId: string, environmentName: string) {
  const [clash] = await tx
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.teamId, teamId), eq(requests.environmentName, environmentName), inArray(requests.status, [...liveStatuses])))
    .limit(1);
  if (clash)
    throw new ServiceError(
      "conflict",
      `The team already has a live environment or request named ${environmentName}; choose another name.`,
      "environmentName",
    );
}

/** The name of the template a request was made from. */
export async function templateNameOf(tx: Executor, templateVersionId: string): Promise<string> {
  const [row] = await tx
    .select({ name: templates.name })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(eq(templateVersions.id, templateVersionId));
  return row?.name ?? "";
}

/** Loads a request for a change, locked, with the version the caller saw. */
async function lockRequest(tx: Executor, requestId: string, viewer: Viewer) {
  const [row] = await tx.select().from(requests).where(eq(requests.id, requestId)).for("update").limit(1);
  // Other teams' requests do not exist for the caller: same answer as a wrong id.
  if (!row || !canReadRequest(viewer, row)) throw notFound("Request");
  return row;
}

function checkVersion(row: Request, expectedVersion: number) {
  if (row.version !== expectedVersion) {
    throw new ServiceError(
      "conflict",
      `${requestLabel(row)} changed since you opened it (it is now ${row.status.replace("_", " ")}); reload to see the latest.`,
    );
  }
}

function explainFinal(row: Request, attempted: string): ServiceError {
  const state: Record<string, string> = {
    rejected: "it was rejected",
    cancelled: "it was cancelled",
    approved: "it is already approved",
    queued: "it is already approved and queued",
    provisioning: "it is already being provisioned",
    ready: "its environment is already ready",
    failed: "its provisioning failed",
  };
  return new ServiceError("conflict", `${requestLabel(row)} cannot be ${attempted}: ${state[row.status] ?? row.status}.`);
}

export async function updateRequest(
  db: Database,
  viewer: Viewer,
  input: {
    requestId: string;
    expectedVersion: number;
    tier: RequestDraft["tier"];
    environmentName: string;
    ttlHours: number;
    parameters: unknown;
    justification: string;
  },
) {
  const actor = actorOf(viewer);
  return db.transaction(async (tx) => {
    const current = await lockRequest(tx, input.requestId, viewer);
    if (!canEditRequest(viewer, current)) throw new ServiceError("forbidden", "Only the requester can edit a request.");
    if (current.kind !== "create") throw new ServiceError("conflict", "An extension cannot be edited: cancel it and ask for the extension you want.");
    if (current.status !== "pending_approval") throw explainFinal(current, "edited");
    checkVersion(current, input.expectedVersion);
    const team = await lockTeam(tx, current.teamId);
    const [version] = await tx
      .select({ version: templateVersions.version, name: templates.name })
      .from(templateVersions)
      .innerJoin(templates, eq(templates.id, templateVersions.templateId))
      .where(eq(templateVersions.id, current.templateVersionId));
    if (!version) throw notFound("Template version");
    const evaluation = await evaluateRequest(tx, {
      team,
      viewer,
      draft: {
        templateName: version.name,
        templateVersion: version.version,
        tier: input.tier,
        environmentName: input.environmentName,
        ttlHours: input.ttlHours,
        parameters: input.parameters,
      },
      now: new Date(),
      requestId: current.id,
      excludeRequestId: current.id,
    });
    if (evaluation.decision.outcome === "denied") throw deniedError(evaluation);
    if (input.environmentName !== current.environmentName) await assertNameFree(tx, current.teamId, input.environmentName);

    // Any change after an approval clears every approval: they approved something else.
    const live = await tx
      .select()
      .from(approvals)
      .where(and(eq(approvals.requestId, current.id), isNull(approvals.supersededAt)));
    const cleared = afterParametersChanged(live.map(toRecord));
    if (live.length)
      await tx
        .update(approvals)
        .set({ supersededAt: new Date() })
        .where(and(eq(approvals.requestId, current.id), isNull(approvals.supersededAt)));

    const auto = evaluation.decision.outcome === "auto_approved";
    const status = auto ? "queued" : "pending_approval";
    assertTransition("request", current.status, status);
    const now = new Date();
    const [row] = await tx
      .update(requests)
      .set({
        tier: input.tier,
        environmentName: input.environmentName,
        ttlHours: input.ttlHours,
        parameters: evaluation.parameters,
        justification: input.justification,
        plan: evaluation.plan,
        hourlyMicros: evaluation.cost.hourlyMicros,
        monthlyCents: evaluation.cost.monthlyCents,
        overTtlCents: evaluation.cost.overTtlCents,
        monthShareCents: evaluation.cost.monthShareCents,
        usage: evaluation.plan.usage,
        decision: evaluation.decision,
        status,
        decidedAt: auto ? now : null,
        queuedAt: auto ? now : null,
        version: current.version + 1,
        updatedAt: now,
      })
      .where(and(eq(requests.id, current.id), eq(requests.version, current.version)))
      .returning();
    if (!row) throw new ServiceError("conflict", "The request changed meanwhile; reload it.");
    await recordAudit(tx, actor, {
      action: "request.updated",
      subjectType: "request",
      subjectId: row.id,
      teamId: row.teamId,
      correlationId: row.id,
      before: {
        tier: current.tier,
        environmentName: current.environmentName,
        ttlHours: current.ttlHours,
        parameters: current.parameters,
        monthlyCents: current.monthlyCents,
      },
      after: {
        tier: row.tier,
        environmentName: row.environmentName,
        ttlHours: row.ttlHours,
        parameters: row.parameters,
        monthlyCents: row.monthlyCents,
        approvalsCleared: cleared.cleared.length,
        outcome: evaluation.decision.outcome,
      },
    });
    if (auto) {
      await enqueue(tx, "provisionRequest", { requestId: row.id });
      await publishEvent(tx, {
        type: "request.approved",
        teamId: row.teamId,
        subject: `requests/${row.id}`,
        data: eventData(row, version.name, { autoApproved: true }),
      });
      await publishEvent(tx, { type: "request.queued", teamId: row.teamId, subject: `requests/${row.id}`, data: eventData(row, version.name) });
    } else {
      await publishEvent(tx, {
        type: "request.updated",
        teamId: row.teamId,
        subject: `requests/${row.id}`,
        data: eventData(row, version.name, { approvalsCleared: cleared.cleared.length }),
        notify: {
          userIds: await approversToNotify(tx, row.teamId, evaluation.decision, viewer.id),
          kind: "approval_needed",
          title: `${requestLabel(row)} changed: your approval is needed again`,
          body: cleared.reason ?? "The request was edited before any approval.",
          link: `/requests/${row.id}`,
          requestId: row.id,
        },
      });
    }
    return { id: row.id, version: row.version, status: row.status, approvalsCleared: cleared.cleared.length };
  });
}

export async function cancelRequest(db: Database, viewer: Viewer, input: { requestId: string; expectedVersion: number; reason: string }) {
  return db.transaction(async (tx) => {
    const current = await lockRequest(tx, input.requestId, viewer);
    if (!canCancelRequest(viewer, current)) throw new ServiceError("forbidden", "Only the requester (or an admin) can cancel a request.");
    if (current.status !== "pending_approval") throw explainFinal(current, "cancelled");
    checkVersion(current, input.expectedVersion);
    assertTransition("request", current.status, "cancelled");
    const [row] = await tx
      .update(requests)
      .set({ status: "cancelled", decidedAt: new Date(), version: current.version + 1, updatedAt: new Date() })
      .where(and(eq(requests.id, current.id), eq(requests.version, current.version)))
      .returning();
    if (!row) throw new ServiceError("conflict", "The request changed meanwhile; reload it.");
    await recordAudit(tx, actorOf(viewer), {
      action: "request.cancelled",
      subjectType: "request",
      subjectId: row.id,
      teamId: row.teamId,
      correlationId: row.id,
      before: { status: current.status },
      after: { status: "cancelled", reason: input.reason || null },
    });
    // A fleet rollout waiting on this change hears it was withdrawn (its environment is skipped).
    if (row.kind === "update" && row.environmentId) await wakeFleetRollout(tx, row.environmentId);
    await publishEvent(tx, {
      type: "request.cancelled",
      teamId: row.teamId,
      subject: `requests/${row.id}`,
      data: eventData(row, await templateNameOf(tx, row.templateVersionId), { reason: input.reason || null }),
    });
    return { id: row.id, status: row.status, version: row.version };
  });
}

export function toRecord(a: Pick<typeof approvals.$inferSelect, "approverId" | "capacity" | "createdAt" | "decision">): ApprovalRecord {
  return { approverId: a.approverId, role: a.capacity, decidedAt: a.createdAt, decision: a.decision };
}

/** What the viewer may do with a request right now, and why not. */
export function capabilities(
  viewer: Viewer,
  row: Pick<Request, "decision" | "teamId" | "requesterId" | "status" | "kind">,
  liveApprovals: ApprovalRecord[],
) {
  const decision = row.decision as PolicyDecision;
  const approver = policyPrincipal(viewer, row.teamId);
  const pending = row.status === "pending_approval";
  const approve = pending ? canApprove({ stages: decision.stages, approvals: liveApprovals, requesterId: row.requesterId, approver }) : null;
  const reject = pending ? canReject({ stages: decision.stages, approvals: liveApprovals, requesterId: row.requesterId, approver }) : null;
  return {
    canApprove: approve?.ok === true && canApproveIn(viewer, row.teamId),
    canReject: reject?.ok === true && canApproveIn(viewer, row.teamId),
    whyNot: approve && !approve.ok ? approve.reason : pending ? null : `It is ${row.status.replace("_", " ")}.`,
    // An extension is asked for again rather than edited: its figures depend on the expiry at the time.
    canEdit: pending && canEditRequest(viewer, row) && row.kind === "create",
    canCancel: pending && canCancelRequest(viewer, row),
    canComment: canCommentOn(viewer, row),
  };
}

const requester = alias(users, "requester");

export async function addComment(db: Database, viewer: Viewer, input: { requestId: string; body: string }) {
  return db.transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId, viewer);
    if (!canCommentOn(viewer, row)) throw new ServiceError("forbidden", "Auditors have read-only access: commenting changes data.");
    const [comment] = await tx.insert(requestComments).values({ requestId: row.id, authorId: viewer.id, body: input.body }).returning();
    await recordAudit(tx, actorOf(viewer), {
      action: "request.commented",
      subjectType: "request",
      subjectId: row.id,
      teamId: row.teamId,
      correlationId: row.id,
      after: { commentId: comment?.id },
    });
    return comment;
  });
}

export async function listRequests(db: Database, viewer: Viewer, input: z.infer<typeof listRequestsInput>) {
  const teamIds = readableTeamIds(viewer);
  const visible: SQL | undefined = teamIds === "all" ? undefined : teamIds.length ? inArray(requests.teamId, teamIds) : sql`false`;
  const conditions = [
    visible,
    input.scope === "mine" ? eq(requests.requesterId, viewer.id) : undefined,
    input.teamId ? eq(requests.teamId, input.teamId) : undefined,
    input.status ? eq(requests.status, input.status) : undefined,
    input.tier ? eq(requests.tier, input.tier) : undefined,
    input.search
      ? or(
          ilike(requests.environmentName, `%${input.search}%`),
          ilike(templates.name, `%${input.search}%`),
          sql`'REQ-' || ${requests.number} = upper(${input.search})`,
        )
      : undefined,
    input.cursor ? lt(requests.number, input.cursor) : undefined,
  ].filter((c) => c !== undefined);
  const rows = await db
    .select({
      id: requests.id,
      number: requests.number,
      environmentName: requests.environmentName,
      tier: requests.tier,
      status: requests.status,
      monthlyCents: requests.monthlyCents,
      submittedAt: requests.submittedAt,
      teamId: teams.id,
      teamName: teams.name,
      templateName: templates.name,
      templateVersion: templateVersions.version,
      requesterName: requester.name,
      requesterId: requests.requesterId,
    })
    .from(requests)
    .innerJoin(teams, eq(teams.id, requests.teamId))
    .innerJoin(requester, eq(requester.id, requests.requesterId))
    .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(requests.number))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit).map((r) => ({ ...r, label: `REQ-${r.number}` }));
  return { requests: page, nextCursor: rows.length > input.limit ? (page.at(-1)?.number ?? null) : null };
}

export type { Actor };

/** Audits `request.submitted` for a request just inserted: its number, then what its kind records. */
export async function auditSubmitted(tx: Executor, actor: Actor, row: Request, after: Record<string, unknown>): Promise<string> {
  const label = requestLabel(row);
  await recordAudit(tx, actor, {
    action: "request.submitted",
    subjectType: "request",
    subjectId: row.id,
    teamId: row.teamId,
    correlationId: row.id,
    after: { number: label, ...after },
  });
  return label;
}
