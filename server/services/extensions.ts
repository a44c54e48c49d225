/**
 * Extending a live environment's TTL. An extension is a request (kind `extend`) through the
 * extension policy (server/policy/extension.ts): within the tier's maximum lifetime it takes
 * effect at once; beyond it a team approver decides, on the same approval screen as any request.
 * Taking effect is one transaction: the new expiry, the request marked applied, the audit event,
 * the owner's notification, and an update run that moves the resources' `expires-at` tag.
 */
import { formatUtcDateTime } from "~/server/core/datetime";
import { and, eq } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { environments, requests, teams, templateVersions, type Environment, type Request } from "~/db/schema";
import { centsOverHours } from "~/server/engines/pricing";
import { evaluateExtension, formatHours } from "~/server/policy";
import { maxExtensionHours } from "~/server/schemas/extensions";
import { durationHours, type TemplateDocument } from "~/server/templates/format";
import { expiresAtFrom, lifetimeStart } from "~/server/core/lifetime";
import { createRun } from "~/server/runs/store";
import { recordAudit, systemActor, type Actor } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { publishEvent } from "~/server/core/events";
import { lockTeam, teamCommitments } from "./request-evaluation";
import { requestLabel } from "./requests";
import { canExtend, canReadEnvironment, policyPrincipal } from "~/server/access/rules";
import { askApprovers, insertSubmitted, lockForApply, markApplied, submittedBefore } from "./request-bookkeeping";
import { actorOf, type Viewer } from "./users";

const HOUR_MS = 3_600_000;

export type ExtensionInput = { environmentId: string; hours: number };

/** Whether the viewer may extend the environment now (access rule canExtend, then its status), and why not. */
function extendability(
  viewer: Viewer,
  environment: Pick<Environment, "ownerId" | "teamId" | "status">,
): { ok: true } | { ok: false; reason: string; kind: "forbidden" | "conflict" } {
  if (!canExtend(viewer, environment))
    return { ok: false, kind: "forbidden", reason: "Only the environment's owner, the team's approvers or an admin can extend it." };
  if (environment.status !== "ready")
    return { ok: false, kind: "conflict", reason: `Only a ready environment can be extended; this one is ${environment.status}.` };
  return { ok: true };
}

/** Hours of [from, to) that fall in the calendar month (UTC) of `now`, counted from now on. */
function hoursThisMonth(from: Date, to: Date, now: Date): number {
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const start = Math.max(from.getTime(), now.getTime());
  const end = Math.min(to.getTime(), monthEnd);
  return end > start ? Math.ceil((end - start) / HOUR_MS) : 0;
}

async function loadForExtension(tx: Executor, viewer: Viewer, environmentId: string, lock: boolean) {
  const query = tx.select().from(environments).where(eq(environments.id, environmentId)).limit(1);
  const [environment] = lock ? await query.for("update") : await query;
  if (!environment || !canReadEnvironment(viewer, environment)) throw new ServiceError("not_found", "Environment was not found.", "environmentId");
  const allowed = extendability(viewer, environment);
  if (!allowed.ok) throw new ServiceError(allowed.kind, allowed.reason, "environmentId");
  const [origin] = await tx.select().from(requests).where(eq(requests.id, environment.requestId));
  const [version] = await tx
    .select({ document: templateVersions.document })
    .from(templateVersions)
    .where(eq(templateVersions.id, environment.templateVersionId));
  if (!origin || !version?.document) throw new Error("the environment's request or template version is missing");
  return { environment, origin, document: version.document as TemplateDocument };
}

async function evaluate(tx: Executor, viewer: Viewer, input: ExtensionInput, now: Date, lock: boolean) {
  if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > maxExtensionHours) {
    throw new ServiceError("invalid", `Hours must be a whole number from 1 to ${maxExtensionHours}.`, "hours");
  }
  const { environment, origin, document } = await loadForExtension(tx, viewer, input.environmentId, lock);
  const ttl = document.spec.policy.ttl[environment.tier];
  if (!ttl) throw new Error(`template has no TTL policy for ${environment.tier}`);
  const maxTtlHours = durationHours(ttl.max);
  const newExpiresAt = new Date(environment.expiresAt.getTime() + input.hours * HOUR_MS);
  // The lifetime counts from the environment's first apply, not from its request (server/core/lifetime.ts).
  const lifetimeHoursAfter = Math.ceil((newExpiresAt.getTime() - lifetimeStart(environment).getTime()) / HOUR_MS);
  const team = lock ? await lockTeam(tx, environment.teamId) : (await tx.select().from(teams).where(eq(teams.id, environment.teamId)))[0];
  if (!team) throw notFound("Team");
  const commitments = await teamCommitments(tx, team.id, now);
  const cost = {
    monthlyCents: origin.monthlyCents,
    overTtlCents: centsOverHours(origin.hourlyMicros, input.hours),
    ttlHours: input.hours,
    monthShareCents: centsOverHours(origin.hourlyMicros, hoursThisMonth(environment.expiresAt, newExpiresAt, now)),
  };
  const decision = evaluateExtension({
    policy: document.spec.policy,
    tier: environment.tier,
    cost,
    usage: { vcpus: 0, instances: 0, gpus: 0 },
    team: {
      monthlyBudgetCents: team.monthlyBudgetCents,
      budgetMode: team.budgetMode,
      spentThisMonthCents: commitments.spentCents,
      committedCents: commitments.committedCents,
      quotas: { vcpus: team.quotaVcpus, instances: team.quotaInstances, gpus: team.quotaGpus },
      quotaUsed: commitments.quotaUsed,
    },
    requester: policyPrincipal(viewer, team.id),
    maxTtlHours,
    lifetimeHoursAfter,
  });
  return {
    environment,
    origin,
    team,
    hours: input.hours,
    currentExpiresAt: environment.expiresAt,
    newExpiresAt,
    maxExpiresAt: expiresAtFrom(lifetimeStart(environment), maxTtlHours),
    maxTtlHours,
    lifetimeHoursAfter,
    hourlyMicros: origin.hourlyMicros,
    costCents: cost.overTtlCents,
    monthShareCents: cost.monthShareCents,
    decision,
  };
}

/** What extending by `hours` would do: new expiry, cost, and the policy decision with reasons. */
export async function previewExtension(db: Database, viewer: Viewer, input: ExtensionInput, now = new Date()) {
  return db.transaction(async (tx) => {
    const e = await evaluate(tx, viewer, input, now, false);
    return {
      environment: { id: e.environment.id, name: e.environment.name, tier: e.environment.tier },
      hours: e.hours,
      currentExpiresAt: e.currentExpiresAt,
      newExpiresAt: e.newExpiresAt,
      maxExpiresAt: e.maxExpiresAt,
      maxTtlHours: e.maxTtlHours,
      lifetimeHoursAfter: e.lifetimeHoursAfter,
      costCents: e.costCents,
      monthShareCents: e.monthShareCents,
      decision: e.decision,
    };
  });
}

/** Submits an extension: applied at once when the policy allows it, else pending approval. Idempotent per clientRequestId. */
export async function requestExtension(
  db: Database,
  viewer: Viewer,
  input: ExtensionInput & { justification: string; clientRequestId: string },
  now = new Date(),
) {
  const actor = actorOf(viewer);
  return db.transaction(async (tx) => {
    const existing = await submittedBefore(tx, viewer.id, input.clientRequestId);
    if (existing) {
      const [env] = existing.environmentId
        ? await tx.select({ expiresAt: environments.expiresAt }).from(environments).where(eq(environments.id, existing.environmentId))
        : [];
      return { requestId: existing.id, number: requestLabel(existing), status: existing.status, expiresAt: env?.expiresAt ?? null, duplicate: true };
    }
    const e = await evaluate(tx, viewer, input, now, true);
    if (e.decision.outcome === "denied") {
      const reasons = e.decision.reasons.filter((r) => r.effect === "deny").map((r) => r.message);
      throw new ServiceError("invalid", `Policy denies this extension: ${reasons.join("; ")}`, "hours");
    }
    const [open] = await tx
      .select({ id: requests.id, number: requests.number })
      .from(requests)
      .where(and(eq(requests.environmentId, e.environment.id), eq(requests.kind, "extend"), eq(requests.status, "pending_approval")))
      .limit(1);
    if (open)
      throw new ServiceError(
        "conflict",
        `REQ-${open.number} already asks to extend ${e.environment.name}; it must be decided or cancelled first.`,
        "hours",
      );
    const auto = e.decision.outcome === "auto_approved";
    const { row, label } = await insertSubmitted(
      tx,
      actor,
      {
        kind: "extend",
        environmentId: e.environment.id,
        teamId: e.environment.teamId,
        requesterId: viewer.id,
        templateVersionId: e.environment.templateVersionId,
        environmentName: e.environment.name,
        tier: e.environment.tier,
        parameters: e.origin.parameters,
        ttlHours: input.hours,
        justification: input.justification,
        plan: e.origin.plan,
        hourlyMicros: e.hourlyMicros,
        monthlyCents: e.origin.monthlyCents,
        overTtlCents: e.costCents,
        monthShareCents: e.monthShareCents,
        usage: { vcpus: 0, instances: 0, gpus: 0 },
        decision: e.decision,
        clientRequestId: input.clientRequestId,
      },
      now,
      { environmentName: e.environment.name, hours: input.hours, newExpiresAt: e.newExpiresAt.toISOString(), outcome: e.decision.outcome },
    );
    if (auto) {
      const applied = await applyExtension(tx, row, systemActor, now);
      return { requestId: row.id, number: label, status: "applied" as const, expiresAt: applied.expiresAt, duplicate: false };
    }
    await askApprovers(tx, row, e.decision, viewer, {
      what: `extend ${row.environmentName} by ${formatHours(input.hours)}`,
      body: `${viewer.name}: ${e.decision.reasons.find((r) => r.effect === "require_approval")?.message ?? "the extension needs approval"}.`,
      data: { hours: input.hours },
    });
    return { requestId: row.id, number: label, status: "pending_approval" as const, expiresAt: e.environment.expiresAt, duplicate: false };
  });
}

/**
 * Makes an approved extension take effect, inside the caller's transaction: the expiry moves by
 * the request's hours from the CURRENT expiry, the request becomes applied, and an update run is
 * queued to move the resources' `expires-at` tag. An environment that is no longer ready cannot
 * be extended: the caller's transaction fails with a conflict and nothing changes.
 */
export async function applyExtension(tx: Executor, request: Request, actor: Actor, now = new Date()): Promise<{ expiresAt: Date }> {
  if (request.kind !== "extend" || !request.environmentId) throw new Error("not an extension request");
  // The caller's row may be stale (approvals.ts has just written approved): the locked row decides.
  const environment = await lockForApply(tx, request, "extended");
  const before = environment.expiresAt;
  const expiresAt = new Date(before.getTime() + request.ttlHours * HOUR_MS);
  await tx
    .update(environments)
    .set({ expiresAt, version: environment.version + 1, updatedAt: now })
    .where(eq(environments.id, environment.id));
  await markApplied(tx, request, now);
  await recordAudit(tx, actor, {
    action: "environment.extended",
    subjectType: "environment",
    subjectId: environment.id,
    teamId: environment.teamId,
    correlationId: environment.requestId,
    before: { expiresAt: before.toISOString() },
    after: { expiresAt: expiresAt.toISOString(), hours: request.ttlHours, requestId: request.id },
  });
  // Moves the resources' tags; when another run is active, the next apply or update carries them.
  await createRun(tx, { environmentId: environment.id, kind: "update" });
  await publishEvent(tx, {
    type: "environment.extended",
    teamId: environment.teamId,
    subject: `environments/${environment.id}`,
    data: {
      environmentId: environment.id,
      requestId: request.id,
      name: environment.name,
      expiresAt: expiresAt.toISOString(),
      hours: request.ttlHours,
    },
    notify: {
      userIds: [environment.ownerId, request.requesterId],
      kind: "environment_extended",
      title: `${environment.name} was extended by ${formatHours(request.ttlHours)}`,
      body: `It now expires ${formatUtcDateTime(expiresAt)}.`,
      link: `/environments/${environment.id}`,
      requestId: request.id,
    },
  });
  return { expiresAt };
}
