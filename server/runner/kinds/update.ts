/**
 * Update runs: a change to a ready environment, in two forms.
 *
 * - With an update request waiting for it (kind `update`, queued; issue 14): the environment
 *   moves to the request's template version and parameters: per resource in place where the
 *   engine can, create-before-destroy for replacements, deletes last (../converge.ts); whole-
 *   environment engines (terraform) apply the new spec with `applyAll`. On success the
 *   environment row records the new version and parameters; on failure the request fails and a
 *   `rollback` run is queued in the same transaction, so the environment is never left half
 *   updated (./rollback.ts).
 * - Without one (after an extension): every resource whose tags differ from what the
 *   environment now says gets its tags updated, nothing else; a failure leaves it ready.
 *
 * Interrupted, it resumes like any run: every step is recorded, so nothing is made twice.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, requests, teams, type Environment, type EnvironmentResource, type Request } from "~/db/schema";
import { recordAudit, systemActor } from "~/server/core/audit";
import { publishEvent } from "~/server/core/events";
import { sealSecret } from "~/server/core/secret-box";
import type { EngineName } from "~/server/engines/types";
import type { TemplateDocument } from "~/server/templates/format";
import type { Plan } from "~/server/templates/plan";
import { templateVersions } from "~/db/schema";
import { createRun } from "~/server/runs/store";
import { toActual } from "../actual";
import { writeResources } from "../bookkeeping";
import { convergeResources, liveRows, type ConvergeCounts } from "../converge";
import { wakeFleetRollout } from "~/server/jobs/fleet-wakeup";
import { withRetry } from "../retry";
import { moveRequest } from "../status";
import { tagsFor } from "../tags";
import { applyWholeEnvironment } from "../whole-environment";
import { computeOutputs } from "./apply";
import type { RunScope } from "../scope";
import { defineRunKind } from "./types";

type UpdatePlanRecord = Plan & { from?: { version: string }; to?: { version: string } };
type UpdateLoad = {
  environment: Environment;
  teamSlug: string;
  ready: EnvironmentResource[];
  /** The update request this run carries out; null for a tags-only update after an extension. */
  request: Request | null;
  document: TemplateDocument | null;
  progress: { updated: number };
};
type UpdateResult = { resources: number; counts: ConvergeCounts | null; outputs: Record<string, string> | null; secrets: Record<string, string> };

export const updateKind = defineRunKind<UpdateLoad, UpdateResult>({
  noun: "update",

  async load(db: Database, run) {
    const rows = await db
      .select({ environment: environments, teamSlug: teams.slug, resource: environmentResources })
      .from(environments)
      .innerJoin(teams, eq(teams.id, environments.teamId))
      .leftJoin(environmentResources, and(eq(environmentResources.environmentId, environments.id), eq(environmentResources.status, "ready")))
      .where(eq(environments.id, run.environmentId))
      .orderBy(environmentResources.createdAt);
    const first = rows[0];
    if (!first) throw new Error(`the run's environment ${run.environmentId} is missing`);
    const [open] = await db
      .select({ request: requests, document: templateVersions.document })
      .from(requests)
      .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
      .where(and(eq(requests.environmentId, run.environmentId), eq(requests.kind, "update"), eq(requests.status, "queued")))
      .limit(1);
    return {
      environment: first.environment,
      teamSlug: first.teamSlug,
      ready: rows.flatMap((r) => (r.resource ? [r.resource] : [])),
      request: open?.request ?? null,
      document: (open?.document as TemplateDocument | undefined) ?? null,
      progress: { updated: 0 },
    };
  },

  async execute(scope, loaded) {
    const { environment, request, document } = loaded;
    const engine = scope.engine(environment.engine);
    const ctx = scope.engineContext(environment.id);
    if (!request || !document) return { resources: await updateTags(scope, loaded), counts: null, outputs: null, secrets: {} };
    const plan = request.plan as UpdatePlanRecord;
    scope.log({
      level: "info",
      message: `${scope.run.attempts > 1 ? `Resuming update (attempt ${scope.run.attempts})` : "Update started"} on ${scope.workerId}: ${plan.from?.version ?? "?"} → ${plan.to?.version ?? "?"}`,
    });
    const target = { templateVersionId: request.templateVersionId, parameters: request.parameters, plan };
    if (engine.applyAll) {
      const result = await applyWholeEnvironment(scope.db, { environmentId: environment.id, engine, ctx, retry: scope.retry, target });
      return { resources: result.resources, counts: null, outputs: result.outputs, secrets: result.secrets };
    }
    const counts = await convergeResources(scope, { environment, engine, engineName: environment.engine as EngineName, plan });
    const rows = (await liveRows(scope, environment.id)).filter((r) => r.status === "ready");
    const actual = new Map(rows.map((r) => [r.address, toActual(r)]));
    const { outputs, secrets } = computeOutputs(document, actual, {
      params: request.parameters,
      env: { name: environment.name, tier: environment.tier, team: loaded.teamSlug },
      index: null,
    });
    return { resources: rows.length, counts, outputs, secrets };
  },

  async cleanUp(scope, { request, progress }, error) {
    if (!request) {
      scope.log({
        level: "error",
        message: `Update failed: ${error.message}. The environment stays ready; ${progress.updated} resources were updated.`,
      });
      return error.message;
    }
    const plan = request.plan as UpdatePlanRecord;
    const summary = `Update to ${plan.to?.version ?? "the new version"} failed: ${error.message}. A rollback run puts it back to ${plan.from?.version ?? "its previous version"} with its previous parameters.`;
    scope.log({ level: "error", message: summary });
    return summary;
  },

  async finish(tx, scope, { environment, request }, outcome) {
    const runId = scope.run.id;
    const subject = { subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: environment.requestId };
    if (!request) {
      if (outcome.status === "failed") return;
      await recordAudit(tx, systemActor, { action: "environment.updated", ...subject, after: { runId, resourcesUpdated: outcome.result.resources } });
      scope.log({ level: "info", message: `Update finished: ${outcome.result.resources} resources carry the new expiry` });
      return;
    }
    const plan = request.plan as UpdatePlanRecord;
    const notify = [environment.ownerId, request.requesterId];
    await wakeFleetRollout(tx, environment.id);
    if (outcome.status === "succeeded") {
      const { outputs, secrets, counts } = outcome.result;
      await tx
        .update(environments)
        .set({
          templateVersionId: request.templateVersionId,
          parameters: request.parameters,
          failureSummary: null,
          ...(outputs
            ? {
                outputs,
                secretOutputsCiphertext: Object.keys(secrets).length
                  ? sealSecret(JSON.stringify(secrets), "environment-outputs", environment.id)
                  : null,
              }
            : {}),
          version: environment.version + 1,
          updatedAt: new Date(),
        })
        .where(eq(environments.id, environment.id));
      // The environment's quota usage now is the new plan's (teamCommitments counts it on the create request).
      await tx
        .update(requests)
        .set({ usage: plan.usage, hourlyMicros: plan.hourlyMicros, monthlyCents: plan.monthlyCents })
        .where(eq(requests.id, environment.requestId));
      await moveRequest(tx, request.id, "applied");
      await recordAudit(tx, systemActor, {
        action: "environment.updated",
        ...subject,
        before: { version: plan.from?.version, templateVersionId: environment.templateVersionId },
        after: {
          version: plan.to?.version,
          templateVersionId: request.templateVersionId,
          parameters: request.parameters,
          requestId: request.id,
          runId,
          counts,
        },
      });
      await publishEvent(tx, {
        type: "environment.updated",
        teamId: environment.teamId,
        subject: `environments/${environment.id}`,
        data: { environmentId: environment.id, requestId: request.id, runId, name: environment.name, version: plan.to?.version ?? null, counts },
        notify: {
          userIds: notify,
          kind: "environment_updated",
          title: `${environment.name} was updated`,
          body: `It runs ${plan.to?.version ?? "the new version"} with the new parameters${counts ? ` (${counts.updated} updated, ${counts.replaced} replaced, ${counts.created} created, ${counts.deleted} deleted)` : ""}.`,
          link: `/environments/${environment.id}`,
          requestId: request.id,
        },
      });
      scope.log({ level: "info", message: `Update finished: ${environment.name} runs ${plan.to?.version ?? "the new version"}` });
      // A drifted environment (an accepted drift is such an update) is checked again at once, so its page says where it stands.
      if (environment.driftStatus === "drifted" && (await createRun(tx, { environmentId: environment.id, kind: "drift" })))
        scope.log({ level: "info", message: "It had drifted: a drift check follows" });
      return;
    }
    await moveRequest(tx, request.id, "failed");
    await tx.update(environments).set({ failureSummary: outcome.summary, updatedAt: new Date() }).where(eq(environments.id, environment.id));
    const rollback = await createRun(tx, { environmentId: environment.id, kind: "rollback" });
    await recordAudit(tx, systemActor, {
      action: "environment.update_failed",
      ...subject,
      after: { requestId: request.id, runId, error: outcome.error.message, rollbackRunId: rollback?.id ?? null },
    });
    await publishEvent(tx, {
      type: "environment.update_failed",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: {
        environmentId: environment.id,
        requestId: request.id,
        runId,
        name: environment.name,
        error: outcome.error.message,
        rollbackRunId: rollback?.id ?? null,
      },
      notify: {
        userIds: notify,
        kind: "environment_update_failed",
        title: `The update of ${environment.name} failed`,
        body: outcome.summary,
        link: `/environments/${environment.id}`,
        requestId: request.id,
      },
    });
  },
});

/** After an extension: the tags of every ready resource follow the environment's expiry; nothing else changes. */
async function updateTags(scope: RunScope, { environment, ready, progress }: UpdateLoad): Promise<number> {
  const engine = scope.engine(environment.engine);
  const ctx = scope.engineContext(environment.id);
  scope.log({ level: "info", message: `Update started on ${scope.workerId}: expires-at becomes ${environment.expiresAt.toISOString()}` });
  // A whole-environment engine (terraform) applies the new tags through its configuration; its rows follow its state.
  if (engine.applyAll) {
    progress.updated = (await applyWholeEnvironment(scope.db, { environmentId: environment.id, engine, ctx, retry: scope.retry })).resources;
    return progress.updated;
  }
  for (const row of ready) {
    scope.signal.throwIfAborted();
    const tags = tagsFor(row.tags, environment);
    if (JSON.stringify(tags) === JSON.stringify(row.tags)) continue;
    await withRetry(
      () =>
        engine.apply(
          ctx,
          { address: row.address, type: row.type, properties: row.properties, tags, idempotencyKey: row.idempotencyKey },
          toActual(row),
        ),
      scope.retry,
    );
    scope.log({ level: "info", message: `Updated tags of ${row.address}`, address: row.address });
    await writeResources(scope, [{ op: "tags", id: row.id, tags }]);
    progress.updated++;
  }
  return progress.updated;
}
