/**
 * A drift check's records, in the transaction that completes its run: the check row, the
 * environment's drift state (status, drifted since, next check due: on the environment's phase
 * of the tier's interval, sooner with backoff after a failed read), and, once per new drift
 * (fingerprint), the audit event and the notification to the owner and the team's approvers.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { driftChecks, environments, memberships, type Environment } from "~/db/schema";
import type { DriftResult } from "~/db/vocabulary";
import { recordAudit, systemActor } from "~/server/core/audit";
import { publishEvent } from "~/server/core/events";
import type { DriftReport } from "~/server/engines/drift";
import { driftFingerprint } from "~/server/engines/drift-compare";
import { driftCheckIntervalMs, nextDriftCheckAt } from "~/server/templates/drift-policy";
import type { TemplateDocument } from "~/server/templates/format";

/** After a failed read the next check comes after 5 min, doubling per failure, at most the normal interval. */
export const driftRetryBaseMs = 5 * 60_000;

export type DriftOutcome = { report: DriftReport } | { failure: string; unsupported?: boolean };

export async function recordDriftCheck(
  tx: Executor,
  input: { environment: Environment; document: TemplateDocument; runId: string | null; outcome: DriftOutcome; now?: Date },
): Promise<{ result: DriftResult; resources: number; notified: boolean }> {
  const now = input.now ?? new Date();
  const [current] = await tx.select().from(environments).where(eq(environments.id, input.environment.id)).for("update");
  const environment = current ?? input.environment;
  const intervalMs = driftCheckIntervalMs(input.document.spec.policy, environment.tier);
  const report = "report" in input.outcome ? input.outcome.report : { resources: [] };
  const result: DriftResult = "failure" in input.outcome ? "failed" : report.resources.length ? "drifted" : "in_sync";
  const fingerprint = result === "drifted" ? driftFingerprint(report) : null;
  const failures = result === "failed" ? environment.driftFailures + 1 : 0;
  const retrySoon = "failure" in input.outcome && !input.outcome.unsupported;
  const next = retrySoon
    ? new Date(now.getTime() + Math.min(intervalMs, driftRetryBaseMs * 2 ** (failures - 1)))
    : nextDriftCheckAt(environment.id, intervalMs, now, intervalMs / 2);

  await tx.insert(driftChecks).values({
    environmentId: environment.id,
    runId: input.runId,
    engine: environment.engine,
    result,
    report,
    failureReason: "failure" in input.outcome ? input.outcome.failure : null,
    fingerprint,
    checkedAt: now,
  });
  // A failed check changes nothing about what we know of the drift: since-when and fingerprint stay.
  const state =
    result === "failed"
      ? {}
      : result === "drifted"
        ? { driftedSince: environment.driftedSince ?? now, driftFingerprint: fingerprint }
        : { driftedSince: null, driftFingerprint: null };
  await tx
    .update(environments)
    .set({ driftStatus: result, driftCheckedAt: now, driftNextCheckAt: next, driftFailures: failures, ...state, updatedAt: sql`now()` })
    .where(eq(environments.id, environment.id));

  const isNew = result === "drifted" && fingerprint !== environment.driftFingerprint;
  if (isNew) await announceDrift(tx, environment, report, fingerprint!, input.runId);
  return { result, resources: report.resources.length, notified: isNew };
}

async function announceDrift(tx: Executor, environment: Environment, report: DriftReport, fingerprint: string, runId: string | null) {
  const counts = { changed: 0, missing: 0, extra: 0 };
  for (const r of report.resources) counts[r.kind]++;
  const summary = (Object.entries(counts) as [string, number][])
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
  await recordAudit(tx, systemActor, {
    action: "environment.drifted",
    subjectType: "environment",
    subjectId: environment.id,
    teamId: environment.teamId,
    correlationId: environment.requestId,
    after: { runId, fingerprint, ...counts },
  });
  const approvers = await tx
    .select({ id: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.teamId, environment.teamId), eq(memberships.role, "approver")));
  await publishEvent(tx, {
    type: "environment.drifted",
    teamId: environment.teamId,
    subject: `environments/${environment.id}`,
    data: { environmentId: environment.id, name: environment.name, runId, fingerprint, ...counts },
    notify: {
      userIds: [environment.ownerId, ...approvers.map((a) => a.id)],
      kind: "environment_drifted",
      title: `${environment.name} drifted`,
      body: `Changed outside the portal: ${summary}.`,
      link: `/environments/${environment.id}`,
    },
  });
}
