/**
 * What a change to a live environment would do: the plan of its current template version and
 * parameters against the target ones (plan diff per resource), the cost delta per month and over
 * the remaining lifetime, the budget and quota impact (what the change adds), and the policy
 * decision. The preview, the submit, an edit and the fleet dry run all use this one function, so
 * what a user is shown is what is decided.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { environments, requests, runs, teams, templates, templateVersions, users, type Environment, type Team } from "~/db/schema";
import { activeRunStatuses } from "~/db/vocabulary";
import { centsOverHours } from "~/server/engines/pricing";
import { evaluateUpdate, monthShareCents, type PolicyDecision } from "~/server/policy";
import { compareSemver, durationHours, type TemplateDocument } from "~/server/templates/format";
import { planTemplate, type Plan } from "~/server/templates/plan";
import { diffPlans, type PlanDiff } from "~/server/templates/plan-diff";
import { ServiceError, notFound } from "~/server/core/errors";
import { canApproveIn, canOperate, canReadEnvironment, policyPrincipal } from "~/server/access/rules";
import { teamCommitments } from "./request-evaluation";
import { validateParameterValues } from "./template-parameters";
import type { Viewer } from "./users";

const HOUR_MS = 3_600_000;

export type UpdateInput = {
  environmentId: string;
  /** Another published version of the environment's template; absent: the current one. */
  templateVersion?: string;
  /** Values to change; parameters not given keep their current value. */
  parameters: Record<string, unknown>;
  /** Required when a stateful resource (database, volume, bucket) would be replaced or deleted. */
  confirmDestructive?: boolean;
  /** Moving to an older version: allowed only as an explicit rollback by an approver. */
  rollback?: boolean;
};

/** The plan stored on an update request: the target plan plus the diff and where it comes from. */
export type UpdatePlan = Plan & {
  diff: PlanDiff;
  from: { templateVersionId: string; version: string; parameters: Record<string, string | number | boolean>; monthlyCents: number };
  to: { templateVersionId: string; version: string };
  rollback: boolean;
  confirmDestructive: boolean;
};

export type UpdateEvaluation = Awaited<ReturnType<typeof evaluateUpdateChange>>;

/** The parameters an environment runs with now: its own after an update, else its request's. */
export async function currentParameters(tx: Executor, environment: Environment) {
  if (environment.parameters) return environment.parameters;
  const [origin] = await tx.select({ parameters: requests.parameters }).from(requests).where(eq(requests.id, environment.requestId));
  if (!origin) throw new Error(`the request of environment ${environment.id} is missing`);
  return origin.parameters;
}

/** Loads the environment for a change by `viewer` (locked when `lock`), refusing what may not be changed now. */
export async function environmentForChange(tx: Executor, viewer: Viewer, environmentId: string, lock: boolean) {
  const query = tx.select().from(environments).where(eq(environments.id, environmentId)).limit(1);
  const [environment] = lock ? await query.for("update") : await query;
  if (!environment || !canReadEnvironment(viewer, environment)) throw new ServiceError("not_found", "Environment was not found.", "environmentId");
  if (!canOperate(viewer, environment))
    throw new ServiceError("forbidden", "Only the environment's owner, the team's approvers or an admin can change it.", "environmentId");
  if (environment.status !== "ready")
    throw new ServiceError("conflict", `Only a ready environment can be changed; ${environment.name} is ${environment.status}.`, "environmentId");
  return environment;
}

export async function evaluateUpdateChange(
  tx: Executor,
  input: { viewer: Viewer; environment: Environment; team: Team; change: UpdateInput; now: Date; excludeRequestId?: string },
) {
  const { viewer, environment, team, change, now } = input;
  const [current] = await tx
    .select({ version: templateVersions, template: templates, ownerEmail: users.email })
    .from(templateVersions)
    .innerJoin(templates, eq(templates.id, templateVersions.templateId))
    .innerJoin(users, eq(users.id, environment.ownerId))
    .where(eq(templateVersions.id, environment.templateVersionId));
  if (!current?.version.document) throw notFound("Template version");
  const { template } = current;
  let target = current.version;
  if (change.templateVersion && change.templateVersion !== current.version.version) {
    const [row] = await tx
      .select()
      .from(templateVersions)
      .where(and(eq(templateVersions.templateId, template.id), eq(templateVersions.version, change.templateVersion)))
      .limit(1);
    if (!row) throw new ServiceError("not_found", `Version ${change.templateVersion} of ${template.name} was not found.`, "templateVersion");
    if (row.status !== "published" || !row.document)
      throw new ServiceError(
        "invalid",
        `Version ${change.templateVersion} of ${template.name} is a draft; only published versions can be rolled out.`,
        "templateVersion",
      );
    target = row;
  }
  const moving = target.id !== current.version.id;
  if (moving && template.deprecatedAt)
    throw new ServiceError(
      "invalid",
      `${template.name} is deprecated, so none of its versions can be rolled out${template.deprecationReason ? `: ${template.deprecationReason}` : "."}`,
      "templateVersion",
    );
  const older = moving && compareSemver(target.version, current.version.version) < 0;
  if (older && !(change.rollback === true && canApproveIn(viewer, environment.teamId)))
    throw new ServiceError(
      "invalid",
      `Version ${target.version} is older than ${current.version.version}: going back is only allowed as an explicit rollback by a team approver or an admin.`,
      "templateVersion",
    );
  if (change.rollback === true && !older) throw new ServiceError("invalid", "A rollback must target an older version.", "rollback");

  const fromDocument = current.version.document as TemplateDocument;
  const toDocument = target.document as TemplateDocument;
  if (!toDocument.spec.tiers.includes(environment.tier))
    throw new ServiceError("invalid", `Version ${target.version} is not offered for the ${environment.tier} tier.`, "templateVersion");
  const fromParameters = await currentParameters(tx, environment);
  // Current values for the target's parameters, then the requested changes over them.
  const known = new Set(toDocument.spec.parameters.map((p) => p.name));
  const kept = Object.fromEntries(Object.entries(fromParameters).filter(([name]) => known.has(name)));
  const parameters = validateParameterValues(toDocument.spec.parameters, { ...kept, ...change.parameters });

  const planContext = {
    environmentName: environment.name,
    tier: environment.tier,
    team: team.slug,
    tagValues: {
      "environment-id": environment.id,
      "request-id": environment.requestId,
      team: team.slug,
      owner: current.ownerEmail,
      "cost-center": team.costCenter,
      "expires-at": environment.expiresAt.toISOString(),
    },
  };
  const before = planTemplate(template.name, fromDocument.spec, fromParameters, planContext);
  const after = planTemplate(template.name, toDocument.spec, parameters, planContext);
  const diff = diffPlans(toDocument.spec.engine, before.resources, after.resources);
  // Nothing to change: the preview says so (the form starts from here), a submit is refused.
  const unchanged = !moving && diff.resources.every((r) => r.action === "noop");

  const remainingHours = Math.max(1, Math.ceil((environment.expiresAt.getTime() - now.getTime()) / HOUR_MS));
  const deltaHourly = after.hourlyMicros - before.hourlyMicros;
  const addedHourly = Math.max(0, deltaHourly);
  const usageAdded = {
    vcpus: Math.max(0, after.usage.vcpus - before.usage.vcpus),
    instances: Math.max(0, after.usage.instances - before.usage.instances),
    gpus: Math.max(0, after.usage.gpus - before.usage.gpus),
  };
  const lowersOnly =
    diff.counts.create === 0 &&
    diff.counts.replace === 0 &&
    deltaHourly <= 0 &&
    usageAdded.vcpus + usageAdded.instances + usageAdded.gpus === 0 &&
    // Only a size or count can go down; any other change (a flag, an image) is not "lower".
    diff.resources.every((r) =>
      r.changes.every((c) => c.property.startsWith("tags.") || (typeof c.from === "number" && typeof c.to === "number" && c.to < c.from)),
    );
  const ttl = toDocument.spec.policy.ttl[environment.tier];
  const maxTtl = ttl ? durationHours(ttl.max) : remainingHours;
  const cost = {
    hourlyMicros: after.hourlyMicros,
    monthlyCentsBefore: before.monthlyCents,
    monthlyCents: after.monthlyCents,
    monthlyDeltaCents: after.monthlyCents - before.monthlyCents,
    remainingHours,
    remainingDeltaCents: Math.sign(deltaHourly) * centsOverHours(Math.abs(deltaHourly), remainingHours),
    /** What the change adds over the remaining lifetime and to this month (0 for a cheaper change): what the budget counts. */
    overTtlCents: centsOverHours(addedHourly, remainingHours),
    monthShareCents: monthShareCents({ hourlyMicros: addedHourly, ttlHours: remainingHours, now }),
  };
  const commitments = await teamCommitments(tx, team.id, now, input.excludeRequestId);
  const decision: PolicyDecision = evaluateUpdate({
    policy: toDocument.spec.policy,
    tier: environment.tier,
    cost: {
      monthlyCents: cost.monthlyCents,
      overTtlCents: cost.overTtlCents,
      ttlHours: Math.min(remainingHours, maxTtl),
      monthShareCents: cost.monthShareCents,
    },
    usage: usageAdded,
    team: {
      monthlyBudgetCents: team.monthlyBudgetCents,
      budgetMode: team.budgetMode,
      spentThisMonthCents: commitments.spentCents,
      committedCents: commitments.committedCents,
      quotas: { vcpus: team.quotaVcpus, instances: team.quotaInstances, gpus: team.quotaGpus },
      quotaUsed: commitments.quotaUsed,
    },
    requester: policyPrincipal(viewer, team.id),
    change: { lowersOnly, rollback: older },
  });
  const plan: UpdatePlan = {
    ...after,
    diff,
    from: { templateVersionId: current.version.id, version: current.version.version, parameters: fromParameters, monthlyCents: before.monthlyCents },
    to: { templateVersionId: target.id, version: target.version },
    rollback: older,
    confirmDestructive: change.confirmDestructive === true,
  };
  return {
    environment: { id: environment.id, name: environment.name, tier: environment.tier, teamId: environment.teamId, expiresAt: environment.expiresAt },
    template: { id: template.id, name: template.name, title: toDocument.metadata.title },
    from: { id: current.version.id, version: current.version.version, parameters: fromParameters },
    to: { id: target.id, version: target.version, parameters },
    parameterSpecs: toDocument.spec.parameters,
    plan,
    diff,
    usageAdded,
    lowersOnly,
    unchanged,
    cost,
    decision,
  };
}

/** Whether the environment has a run queued or running (an update cannot start while it does). */
export async function activeRunOf(tx: Executor, environmentId: string) {
  const [run] = await tx
    .select({ id: runs.id, kind: runs.kind })
    .from(runs)
    .where(and(eq(runs.environmentId, environmentId), inArray(runs.status, [...activeRunStatuses])))
    .limit(1);
  return run ?? null;
}

export async function teamOf(tx: Executor, teamId: string) {
  const [team] = await tx.select().from(teams).where(eq(teams.id, teamId)).limit(1);
  if (!team) throw notFound("Team");
  return team;
}
