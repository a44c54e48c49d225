/**
 * Accepting drift (issue 13): the actual values become the desired ones, where the template sets
 * the drifted properties from parameters (server/templates/drift-accept.ts says which). It is a
 * day-2 update request with those parameter values (requestUpdate: the update policy, its
 * approvals and its run), so nothing here bypasses policy; once it applies, the next check is in
 * sync. Drift that is not parameter-driven is not accepted: it is reconciled, or acknowledged.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { driftChecks, templateVersions, type Environment } from "~/db/schema";
import { canAcceptDrift } from "~/server/access/rules";
import { recordAudit } from "~/server/core/audit";
import { ServiceError } from "~/server/core/errors";
import type { DriftReport } from "~/server/engines/drift";
import { planDriftAccept, type AcceptPlan } from "~/server/templates/drift-accept";
import type { TemplateDocument } from "~/server/templates/format";
import { currentParameters } from "./update-evaluation";
import { requestUpdate } from "./updates";
import { actorOf, type Viewer } from "./users";

/** The report of the environment's current drift (the latest drifted check with its fingerprint), or null. */
async function currentDriftReport(db: Executor, environment: Environment): Promise<DriftReport | null> {
  if (environment.driftStatus !== "drifted" || !environment.driftFingerprint) return null;
  const [check] = await db
    .select({ report: driftChecks.report })
    .from(driftChecks)
    .where(and(eq(driftChecks.environmentId, environment.id), eq(driftChecks.fingerprint, environment.driftFingerprint)))
    .orderBy(desc(driftChecks.checkedAt))
    .limit(1);
  return (check?.report as DriftReport | undefined) ?? null;
}

/** Whether (and with which parameters) the environment's current drift can be accepted; null when it has none. */
export async function driftAcceptPlan(db: Executor, environment: Environment, report?: DriftReport | null): Promise<AcceptPlan | null> {
  const drift = report === undefined ? await currentDriftReport(db, environment) : report;
  if (!drift || environment.driftStatus !== "drifted") return null;
  const [version] = await db
    .select({ document: templateVersions.document })
    .from(templateVersions)
    .where(eq(templateVersions.id, environment.templateVersionId));
  if (!version) return null;
  return planDriftAccept(version.document as TemplateDocument, await currentParameters(db, environment), drift);
}

export async function acceptDrift(db: Database, viewer: Viewer, environment: Environment, input: { reason: string; clientRequestId: string }) {
  if (!canAcceptDrift(viewer, environment))
    throw new ServiceError("forbidden", `Only the owner of ${environment.name}, the team's approvers or an admin can accept its drift.`);
  const plan = await driftAcceptPlan(db, environment);
  if (!plan)
    throw new ServiceError(
      "conflict",
      `${environment.name} has no drift to accept: its last check says ${environment.driftStatus ?? "nothing yet"}.`,
    );
  if (!plan.acceptable)
    throw new ServiceError("invalid", `This drift cannot be accepted: ${plan.why} Reconcile it, or acknowledge it with a reason.`, "environmentId");
  const names = Object.entries(plan.parameters).map(([name, value]) => `${name} = ${String(value)}`);
  const update = await requestUpdate(db, viewer, {
    environmentId: environment.id,
    parameters: plan.parameters,
    justification: `Accept drift (${names.join(", ")}): ${input.reason}`,
    clientRequestId: input.clientRequestId,
  });
  if (!update.duplicate)
    await recordAudit(db, actorOf(viewer), {
      action: "environment.drift_accept_requested",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { requestId: update.requestId, parameters: plan.parameters, fingerprint: environment.driftFingerprint, reason: input.reason },
    });
  return { ...update, parameters: plan.parameters };
}
