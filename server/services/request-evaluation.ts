/**
 * What a request would create, cost and need: the template version, validated parameters,
 * the plan with its tags, the cost (hourly, monthly, over the TTL, this month's share), the
 * team's budget and quota figures, and the policy decision. The form's live preview, submit
 * and edit all use this, so what a user is shown is what is decided.
 */
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { costRecords, environments, requests, teams, type Team } from "~/db/schema";
import { centsOverHours } from "~/server/engines/pricing";
import { evaluatePolicy, hoursLeftInMonth, monthShareCents, type PolicyDecision } from "~/server/policy";
import { monthOf, monthRange } from "~/server/schemas/costs";
import type { ParameterValues } from "~/server/schemas/template-parameters";
import { durationHours, type PolicySpec, type Tier } from "~/server/templates/format";
import { planTemplate, type Plan } from "~/server/templates/plan";
import { microsToCents } from "./cost-accrual";
import { accruedMicros } from "./costs";
import { notFound } from "~/server/core/errors";
import { validateParameterValues } from "./template-parameters";
import { loadVersionForRequest } from "./template-versions";
import { policyPrincipal } from "~/server/access/rules";
import type { Viewer } from "./users";
import { expiresAtFrom } from "~/server/core/lifetime";

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

/** Request statuses whose environment does not exist yet: their cost is all still to come. */
const notStartedStatuses = ["pending_approval", "approved", "queued"] as const;

/**
 * The team's month for the budget: what it has spent (accrued by cost records, from the 1st to
 * now) and what is still to come, each counted once:
 * - live environments (provisioning, ready; failed ones whose kept resources still run): their
 *   hourly rate from now until they expire or the month ends; the running records' rate, or the
 *   plan's while an environment is still being provisioned;
 * - requests not started yet (pending, approved, queued; create and extend): their month share
 *   as counted when they were submitted this month, or, from an earlier month, their rate over
 *   what is left of this one (at most their TTL).
 * And the quota the team's live requests hold.
 */
export async function teamCommitments(tx: Executor, teamId: string, now: Date, excludeRequestId?: string) {
  const { start: monthStart, end: monthEnd } = monthRange(monthOf(now));
  const spentMicros = await accruedMicros(tx, teamId, monthStart, now);
  const live = await tx.execute<{ micros: string }>(sql`
    select coalesce(sum(round(x.rate::numeric * extract(epoch from (least(x.expires_at, ${monthEnd.toISOString()}::timestamptz) - ${now.toISOString()}::timestamptz)) / 3600)), 0)::text as micros
      from (
        select e.expires_at,
               greatest(coalesce(sum(c.hourly_micros), 0), case when e.status = 'provisioning' then r.hourly_micros else 0 end) as rate
          from ${environments} e
          join ${requests} r on r.id = e.request_id
          left join ${costRecords} c on c.environment_id = e.id and c.ended_at is null
         where e.team_id = ${teamId} and e.status in ('provisioning', 'ready', 'failed')
         group by e.id, e.expires_at, e.status, r.hourly_micros
      ) x
     where x.expires_at > ${now.toISOString()}::timestamptz`);
  const [pending] = await tx
    .select({
      cents: sql<string>`coalesce(sum(case when ${requests.submittedAt} >= ${monthStart.toISOString()}::timestamptz then ${requests.monthShareCents}
        else round(${requests.hourlyMicros}::numeric * least(${requests.ttlHours}, ${hoursLeftInMonth(now)}) / 10000) end), 0)`,
    })
    .from(requests)
    .where(
      and(
        eq(requests.teamId, teamId),
        inArray(requests.status, [...notStartedStatuses]),
        excludeRequestId ? ne(requests.id, excludeRequestId) : undefined,
      ),
    );
  const [row] = await tx
    .select({
      vcpus: sql<string>`coalesce(sum((${requests.usage}->>'vcpus')::int), 0)`,
      instances: sql<string>`coalesce(sum((${requests.usage}->>'instances')::int), 0)`,
      gpus: sql<string>`coalesce(sum((${requests.usage}->>'gpus')::int), 0)`,
    })
    .from(requests)
    // An extension adds time, not resources: create requests hold quota, and open updates what they add
    // (a successful update moves its environment's usage onto the create request).
    .where(
      and(
        eq(requests.teamId, teamId),
        sql`(${requests.kind} = 'create' or (${requests.kind} = 'update' and ${requests.status} in ('pending_approval', 'approved', 'queued', 'provisioning')))`,
        inArray(requests.status, [...liveStatuses]),
        excludeRequestId ? ne(requests.id, excludeRequestId) : undefined,
      ),
    );
  return {
    spentCents: microsToCents(spentMicros),
    committedCents: microsToCents(Number(live.rows[0]?.micros ?? 0)) + Number(pending?.cents ?? 0),
    quotaUsed: { vcpus: Number(row?.vcpus ?? 0), instances: Number(row?.instances ?? 0), gpus: Number(row?.gpus ?? 0) },
  };
}

export async function evaluateRequest(
  tx: Executor,
  input: { team: Team; viewer: Viewer; draft: RequestDraft; now: Date; requestId?: string; excludeRequestId?: string },
) {
  const { team, viewer, draft, now } = input;
  const { template, version, document } = await loadVersionForRequest(tx, {
    name: draft.templateName,
    version: draft.templateVersion,
    tier: draft.tier,
  });
  const spec = document.spec;
  const parameters: ParameterValues = validateParameterValues(spec.parameters, draft.parameters);
  const ttlPolicy = spec.policy.ttl[draft.tier];
  // An estimate (if it were provisioned now): the lifetime starts when the apply does, and the
  // runner tags every resource with the expiry it stores then (server/core/lifetime.ts).
  const expiresAt = expiresAtFrom(now, draft.ttlHours);
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
  const decision: PolicyDecision = evaluatePolicy({
    policy: effectivePolicy(spec.policy, team),
    tier: draft.tier,
    cost,
    usage: plan.usage,
    team: {
      monthlyBudgetCents: team.monthlyBudgetCents,
      budgetMode: team.budgetMode,
      spentThisMonthCents: commitments.spentCents,
      committedCents: commitments.committedCents,
      quotas: { vcpus: team.quotaVcpus, instances: team.quotaInstances, gpus: team.quotaGpus },
      quotaUsed: commitments.quotaUsed,
    },
    requester: policyPrincipal(viewer, team.id),
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
