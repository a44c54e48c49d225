/**
 * Reconcile (issue 13): a request of its own kind through policy (the tier's approval stages, a
 * reason, separation of duties), then a `reconcile` run that puts the desired state back. The
 * run is made through the run store when the request takes effect: two reconciles, or one racing
 * a drift check, make one run (the second is refused while the first is in progress).
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { environments, requests, templateVersions, type Environment, type Request } from "~/db/schema";
import { canReconcile, policyPrincipal } from "~/server/access/rules";
import { recordAudit, systemActor, type Actor } from "~/server/core/audit";
import { ServiceError, notFound } from "~/server/core/errors";
import { evaluateReconcile } from "~/server/policy/reconcile";
import type { TemplateDocument } from "~/server/templates/format";
import { createRun } from "~/server/runs/store";
import { askApprovers, insertSubmitted, lockForApply, markApplied } from "./request-bookkeeping";
import { actorOf, type Viewer } from "./users";

export async function requestReconcile(db: Database, viewer: Viewer, environment: Environment, input: { reason: string }, now = new Date()) {
  if (!canReconcile(viewer, environment))
    throw new ServiceError("forbidden", `Only the owner of ${environment.name}, the team's approvers or an admin can ask to reconcile it.`);
  return db.transaction(async (tx) => {
    const [env] = await tx.select().from(environments).where(eq(environments.id, environment.id)).for("update");
    if (!env) throw notFound("Environment");
    if (env.status !== "ready") throw new ServiceError("conflict", `${env.name} is ${env.status}: only a ready environment is reconciled.`);
    if (env.driftStatus !== "drifted")
      throw new ServiceError("conflict", `${env.name} has no drift to reconcile: its last check says ${env.driftStatus ?? "nothing yet"}.`);
    const [open] = await tx
      .select({ number: requests.number })
      .from(requests)
      .where(and(eq(requests.environmentId, env.id), eq(requests.kind, "reconcile"), eq(requests.status, "pending_approval")))
      .limit(1);
    if (open) throw new ServiceError("conflict", `REQ-${open.number} already asks to reconcile ${env.name}; it must be decided or cancelled first.`);
    const [origin] = await tx
      .select({ request: requests, document: templateVersions.document })
      .from(requests)
      .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
      .where(eq(requests.id, env.requestId));
    if (!origin) throw notFound("Request");
    const decision = evaluateReconcile({
      policy: (origin.document as TemplateDocument).spec.policy,
      tier: env.tier,
      requester: policyPrincipal(viewer, env.teamId),
    });
    const o = origin.request;
    const { row, label } = await insertSubmitted(
      tx,
      actorOf(viewer),
      {
        kind: "reconcile",
        environmentId: env.id,
        teamId: env.teamId,
        requesterId: viewer.id,
        templateVersionId: env.templateVersionId,
        environmentName: env.name,
        tier: env.tier,
        parameters: o.parameters,
        ttlHours: o.ttlHours,
        justification: input.reason,
        plan: o.plan,
        hourlyMicros: 0,
        monthlyCents: 0,
        overTtlCents: 0,
        monthShareCents: 0,
        usage: { vcpus: 0, instances: 0, gpus: 0 },
        decision,
        clientRequestId: randomUUID(),
      },
      now,
      { reason: input.reason, fingerprint: env.driftFingerprint, outcome: decision.outcome },
    );
    if (decision.outcome === "auto_approved") {
      const { runId } = await applyReconcile(tx, row, systemActor, now);
      return { requestId: row.id, number: label, status: "applied" as const, runId };
    }
    await askApprovers(tx, row, decision, viewer, { what: `reconcile ${env.name}`, body: `${viewer.name}: ${input.reason}` });
    return { requestId: row.id, number: label, status: "pending_approval" as const, runId: null };
  });
}

/**
 * Makes an approved reconcile take effect in the caller's transaction: the request becomes
 * applied and the reconcile run is queued. While another run holds the environment the caller's
 * transaction fails with a conflict, so nothing is approved without its run.
 */
export async function applyReconcile(tx: Executor, request: Request, actor: Actor, now = new Date()): Promise<{ runId: string }> {
  if (request.kind !== "reconcile" || !request.environmentId) throw new Error("not a reconcile request");
  const environment = await lockForApply(tx, request, "reconciled");
  const run = await createRun(tx, { environmentId: environment.id, kind: "reconcile" });
  if (!run) throw new ServiceError("conflict", `${environment.name} has a run in progress: approve the reconcile again when it has finished.`);
  await markApplied(tx, request, now);
  await recordAudit(tx, actor, {
    action: "environment.reconcile_started",
    subjectType: "environment",
    subjectId: environment.id,
    teamId: environment.teamId,
    correlationId: environment.requestId,
    after: { requestId: request.id, runId: run.id, fingerprint: environment.driftFingerprint },
  });
  return { runId: run.id };
}
