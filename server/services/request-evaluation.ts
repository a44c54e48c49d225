/**
 * What a request would create, cost and need: the template version, validated parameters,
 * the plan with its tags, the cost (hourly, monthly, over the TTL, this month's share), the
 * team's budget and quota figures, and the policy decision. The form's live preview, submit
 * and edit all use this, so what a user is shown is what is decided.
 */
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { requests, teams, type Team } from "~/db/schema";
import { centsOverHours } from "~/server/engines/pricing";
import { evaluatePolicy, monthShareCents, type PolicyDecision } from "~/server/policy";
import type { ParameterValues } from "~/server/schemas/template-parameters";
import { durationHours, type PolicySpec, type Tier } from "~/server/templates/format";
import { planTemplate, type Plan } from "~/server/templates/plan";
import { notFound } from "./errors";
import { validateParameterValues } from "./template-parameters";
import { loadVersionForRequest } from "./template-versions";
import type { Viewer } from "./users";

/** Statuses that hold budget and quota: the request is on its way or its environment exists. */
export const liveStatuses = ["pending_approval", "approved", "queued", "provisioning", "ready"] as const;

export type RequestDraft = {
  templateName: string;
  templateVersion?: string;
  tier: Tier;
  environmentName: string;
  ttlHours: number;
  parameters: unknown;
};

export type RequestEvaluation = Awaited<ReturnType<typeof evaluateRequest>>;

/** The template's policy, with the team's own approval threshold when it is stricter. */
function effectivePolicy(policy: PolicySpec, team: Team): PolicySpec {
  if (team.approvalThresholdCents === null) return policy;
  const teamUsd = Math.floor(team.approvalThresholdCents / 100);
  if (policy.costApproval && policy.costApproval.aboveMonthlyUsd <= teamUsd) return policy;
  return { ...policy, costApproval: { aboveMonthlyUsd: teamUsd, from: "admin", count: 1 } };
}

/** What the team's other live requests already hold this month. */
export async function teamCommitments(tx: Executor, teamId: string, now: Date, excludeRequestId?: string) {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [row] = await tx
    .select({
      committedCents: sql<string>`coalesce(sum(${requests.monthShareCents}) filter (where ${requests.submittedAt} >= ${monthStart.toISOString()}), 0)`,
      vcpus: sql<string>`coalesce(sum((${requests.usage}->>'vcpus')::int), 0)`,
      instances: sql<string>`coalesce(sum((${requests.usage}->>'instances')::int), 0)`,
      gpus: sql<string>`coalesce(sum((${requests.usage}->>'gpus')::int), 0)`,
    })
    .from(requests)
    .where(and(eq(requests.teamId, teamId), inArray(requests.status, [...liveStatuses]), excludeRequestId ? ne(requests.id, excludeRequestId) : undefined));
  return {
    committedCents: Number(row?.committedCents ?? 0),
    quotaUsed: { vcpus: Number(row?.vcpus ?? 0), instances: Number(row?.instances ?? 0), gpus: Number(row?.gpus ?? 0) },
  };
}

export async function evaluateRequest(
  tx: Executor,
  input: { team: Team; viewer: Viewer; draft: RequestDraft; now: Date; requestId?: string; excludeRequestId?: string },
) {
  const { team, viewer, draft, now } = input;
  const { template, version, document } = await loadVersionForRequest(tx, { name: draft.templateName, version: draft.templateVersion, tier: draft.tier });
  const spec = document.spec;
  const parameters: ParameterValues = validateParameterValues(spec.parameters, draft.parameters);
  const ttlPolicy = spec.policy.ttl[draft.tier];
  const expiresAt = new Date(now.getTime() + draft.ttlHours * 3_600_000);
  const plan: Plan = planTemplate(template.name, spec, parameters, {
    environmentName: draft.environmentName,
    tier: draft.tier,
    team: team.slug,
    tagValues: {
      team: team.slug,
      owner: viewer.email,
      "cost-center": team.costCenter,
      "expires-at": expiresAt.toISOString(),
      ...(input.requestId ? { "request-id": input.requestId } : {}),
    },
  });
  const cost = {
    hourlyMicros: plan.hourlyMicros,
    monthlyCents: plan.monthlyCents,
    ttlHours: draft.ttlHours,
    overTtlCents: centsOverHours(plan.hourlyMicros, draft.ttlHours),
    monthShareCents: monthShareCents({ hourlyMicros: plan.hourlyMicros, ttlHours: draft.ttlHours, now }),
  };
  const commitments = await teamCommitments(tx, team.id, now, input.excludeRequestId);
  const membership = viewer.teams.find((m) => m.id === team.id);
  const decision: PolicyDecision = evaluatePolicy({
    policy: effectivePolicy(spec.policy, team),
    tier: draft.tier,
    cost,
    usage: plan.usage,
    team: {
      monthlyBudgetCents: team.monthlyBudgetCents,
      budgetMode: team.budgetMode,
      // Accrued cost arrives with cost records; until then live requests' month shares count as committed.
      spentThisMonthCents: 0,
      committedCents: commitments.committedCents,
      quotas: { vcpus: team.quotaVcpus, instances: team.quotaInstances, gpus: team.quotaGpus },
      quotaUsed: commitments.quotaUsed,
    },
    requester: { id: viewer.id, teamRole: membership?.role ?? null, globalRole: viewer.globalRole },
  });
  return {
    template: { id: template.id, name: template.name, title: document.metadata.title },
    version: { id: version.id, version: version.version },
    parameters,
    plan,
    cost,
    expiresAt,
    ttl: ttlPolicy ? { defaultHours: durationHours(ttlPolicy.default), maxHours: durationHours(ttlPolicy.max) } : null,
    decision,
  };
}

export async function lockTeam(tx: Executor, teamId: string): Promise<Team> {
  // Budget and quota checks of one team run one at a time, so two requests cannot both fit.
  const [team] = await tx.select().from(teams).where(eq(teams.id, teamId)).for("update").limit(1);
  if (!team) throw notFound("Team");
  return team;
}
