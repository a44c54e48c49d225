/**
 * The approvals inbox: pending requests the viewer may decide on, in one query shaped for the
 * page. Each row carries a summary of its plan (resource count and, for a change, how many
 * resources it creates, updates, replaces and deletes), never the plan itself: the full plan is
 * loaded on demand (requests.plan) when an approver opens it.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "~/db/client";
import { approvals, requests, teams, templates, templateVersions, users } from "~/db/schema";
import { decidableTeamIds } from "~/server/access/rules";
import { engineCapabilities } from "~/server/engines/registry";
import { approvalState, type ApprovalRecord, type ApproverRole, type PolicyDecision } from "~/server/policy";
import type { DiffAction } from "~/server/templates/plan-diff";
import { capabilities, requestLabel } from "./requests";
import type { Viewer } from "./users";

const requester = alias(users, "requester");

/** What the inbox shows of a plan without loading it. `changes` only for a change to a live environment (its diff). */
export type PlanSummary = { engine: string; resources: number; changes: Record<DiffAction, number> | null };

type LiveApproval = { approverId: string; role: ApproverRole; decidedAt: string; decision: "approved" | "rejected" };

export async function approvalInbox(db: Database, viewer: Viewer) {
  const approverTeams = decidableTeamIds(viewer);
  if (approverTeams !== "all" && approverTeams.length === 0) return [];
  const rows = await db
    .select({
      id: requests.id,
      number: requests.number,
      version: requests.version,
      kind: requests.kind,
      status: requests.status,
      environmentName: requests.environmentName,
      environmentId: requests.environmentId,
      tier: requests.tier,
      teamId: requests.teamId,
      requesterId: requests.requesterId,
      monthlyCents: requests.monthlyCents,
      overTtlCents: requests.overTtlCents,
      ttlHours: requests.ttlHours,
      justification: requests.justification,
      submittedAt: requests.submittedAt,
      decision: requests.decision,
      planEngine: sql<string>`${requests.plan}->>'engine'`,
      planResources: sql<number>`jsonb_array_length(${requests.plan}->'resources')`,
      planChanges: sql<Record<DiffAction, number> | null>`${requests.plan}->'diff'->'counts'`,
      // The live approvals of each row in the same query (the policy's progress and who may decide).
      live: sql<
        LiveApproval[]
      >`(select coalesce(jsonb_agg(jsonb_build_object('approverId', ${approvals.approverId}, 'role', ${approvals.capacity}, 'decidedAt', ${approvals.createdAt}, 'decision', ${approvals.decision}) order by ${approvals.createdAt}), '[]'::jsonb) from ${approvals} where ${approvals.requestId} = ${requests.id} and ${approvals.supersededAt} is null)`,
      teamName: teams.name,
      requesterName: requester.name,
      templateName: templates.name,
      templateVersion: templateVersions.version,
    })
    .from(requests)
    .innerJoin(teams, eq(teams.id, requests.teamId))
    .innerJoin(requester, eq(requester.id, requests.requesterId))
    .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .where(and(eq(requests.status, "pending_approval"), approverTeams === "all" ? undefined : inArray(requests.teamId, approverTeams)))
    .orderBy(desc(requests.submittedAt));
  return rows.map(({ number, status, planEngine, planResources, planChanges, live, requesterId, ...row }) => {
    const records: ApprovalRecord[] = live.map((a) => ({ ...a, decidedAt: new Date(a.decidedAt) }));
    const decision = row.decision as PolicyDecision;
    const facts = { ...row, status, requesterId, decision };
    return {
      ...row,
      label: requestLabel({ number }),
      decision,
      planSummary: { engine: planEngine, resources: planResources, changes: planChanges } satisfies PlanSummary,
      /** What the plan's engine can do (a plan preview for approvers when `planPreview`). */
      engineCapabilities: engineCapabilities(planEngine),
      progress: approvalState(decision.stages, records, requesterId),
      capabilities: capabilities(viewer, facts, records),
    };
  });
}
