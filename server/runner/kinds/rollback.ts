/**
 * Rollback runs: after a failed update, the environment goes back to the template version and
 * parameters its row still records (an update changes the row only when it succeeds). First
 * every replacement is undone (the old resource, and its data, gets its address back; the new
 * one is deleted), then the resources converge to the previous plan: what the update created is
 * deleted, what it changed in place is changed back. Whole-environment engines (terraform)
 * apply the previous spec. Resumable like any run. If the rollback itself fails, the
 * environment is marked failed with what was and was not rolled back, never left looking ready.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environments, requests, templateVersions, type Request } from "~/db/schema";
import { recordAudit, systemActor } from "~/server/core/audit";
import { publishEvent } from "~/server/core/events";
import type { EngineName } from "~/server/engines/types";
import type { Plan } from "~/server/templates/plan";
import { convergeResources, restoreReplaced, type ConvergeCounts } from "../converge";
import { currentPlanFor } from "../current-plan";
import { moveEnvironment } from "../status";
import { wakeFleetRollout } from "~/server/jobs/fleet-wakeup";
import { applyWholeEnvironment } from "../whole-environment";
import { defineRunKind } from "./types";

type RollbackLoad = Awaited<ReturnType<typeof currentPlanFor>> & { failed: Request | null; version: string };
type RollbackResult = { counts: ConvergeCounts | null; resources: number };

function describe(counts: ConvergeCounts | null, resources: number): string {
  if (!counts) return `${resources} resources restored from the previous configuration`;
  const parts = [
    counts.restored && `${counts.restored} replaced resources restored`,
    counts.deleted && `${counts.deleted} new resources deleted`,
    counts.updated && `${counts.updated} changed back in place`,
    counts.created && `${counts.created} removed resources re-created`,
    counts.replaced && `${counts.replaced} replaced back`,
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "nothing had changed yet";
}

export const rollbackKind = defineRunKind<RollbackLoad, RollbackResult>({
  noun: "rollback",

  async load(db: Database, run) {
    const current = await currentPlanFor(db, run.environmentId);
    const [failed] = await db
      .select()
      .from(requests)
      .where(and(eq(requests.environmentId, run.environmentId), eq(requests.kind, "update"), eq(requests.status, "failed")))
      .orderBy(desc(requests.updatedAt))
      .limit(1);
    const [version] = await db
      .select({ version: templateVersions.version })
      .from(templateVersions)
      .where(eq(templateVersions.id, current.environment.templateVersionId));
    return { ...current, failed: failed ?? null, version: version?.version ?? "?" };
  },

  async execute(scope, { environment, plan, version }) {
    const engine = scope.engine(environment.engine);
    scope.log({ level: "info", message: `Rollback started on ${scope.workerId}: back to ${version} with the previous parameters` });
    if (engine.applyAll) {
      const ctx = scope.engineContext(environment.id);
      const result = await applyWholeEnvironment(scope.db, { environmentId: environment.id, engine, ctx, retry: scope.retry });
      return { counts: null, resources: result.resources };
    }
    const restored = await restoreReplaced(scope, engine, environment.id);
    const counts = await convergeResources(scope, { environment, engine, engineName: environment.engine as EngineName, plan: plan as Plan });
    return { counts: { ...counts, restored }, resources: plan.resources.length };
  },

  async cleanUp(scope, _loaded, error) {
    const summary = `Rollback failed: ${error.message}. Some resources may still be on the new version; retry or destroy the environment.`;
    scope.log({ level: "error", message: summary });
    return summary;
  },

  async finish(tx, scope, { environment, failed, version }, outcome) {
    const runId = scope.run.id;
    const subject = { subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: environment.requestId };
    await wakeFleetRollout(tx, environment.id);
    if (outcome.status === "failed") {
      await moveEnvironment(tx, environment, "failed", { failureSummary: outcome.summary });
      await recordAudit(tx, systemActor, { action: "environment.failed", ...subject, after: { summary: outcome.summary, runId } });
      return;
    }
    const what = describe(outcome.result.counts, outcome.result.resources);
    const [row] = await tx.select({ failureSummary: environments.failureSummary }).from(environments).where(eq(environments.id, environment.id));
    const summary = `${row?.failureSummary ?? "The update failed."} Rolled back to ${version}: ${what}.`;
    await tx.update(environments).set({ failureSummary: summary, updatedAt: new Date() }).where(eq(environments.id, environment.id));
    await recordAudit(tx, systemActor, {
      action: "environment.rolled_back",
      ...subject,
      after: { runId, version, requestId: failed?.id ?? null, counts: outcome.result.counts, summary },
    });
    await publishEvent(tx, {
      type: "environment.rolled_back",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: { environmentId: environment.id, requestId: failed?.id ?? null, runId, name: environment.name, version },
      notify: {
        userIds: [environment.ownerId],
        kind: "environment_update_failed",
        title: `${environment.name} was rolled back to ${version}`,
        body: summary,
        link: `/environments/${environment.id}`,
        ...(failed ? { requestId: failed.id } : {}),
      },
    });
    scope.log({ level: "info", message: `Rollback finished: ${what}` });
  },
});
