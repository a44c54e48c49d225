/**
 * Update runs: a change in place to a ready environment. Today that is the `expires-at` tag
 * after an extension: every resource whose tags differ from what the environment now says is
 * updated through its engine (which adopts the resource by provider id and changes only its
 * tags), then our row, whose new tags the cost record follows. Interrupted, it resumes like any
 * run; a failure leaves the environment ready (its resources are untouched) and says so.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, type Environment, type EnvironmentResource } from "~/db/schema";
import { recordAudit, systemActor } from "~/server/core/audit";
import { toActual } from "../actual";
import { writeResources } from "../bookkeeping";
import { withRetry } from "../retry";
import { tagsFor } from "../tags";
import { applyWholeEnvironment } from "../whole-environment";
import { defineRunKind } from "./types";

type UpdateLoad = { environment: Environment; ready: EnvironmentResource[]; progress: { updated: number } };

export const updateKind = defineRunKind<UpdateLoad, number>({
  noun: "update",

  /** The environment and its ready resources: one query. */
  async load(db: Database, run) {
    const rows = await db
      .select({ environment: environments, resource: environmentResources })
      .from(environments)
      .leftJoin(environmentResources, and(eq(environmentResources.environmentId, environments.id), eq(environmentResources.status, "ready")))
      .where(eq(environments.id, run.environmentId))
      .orderBy(environmentResources.createdAt);
    const first = rows[0];
    if (!first) throw new Error(`the run's environment ${run.environmentId} is missing`);
    return { environment: first.environment, ready: rows.flatMap((r) => (r.resource ? [r.resource] : [])), progress: { updated: 0 } };
  },

  async execute(scope, { environment, ready, progress }) {
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
  },

  async cleanUp(scope, { progress }, error) {
    scope.log({
      level: "error",
      message: `Update failed: ${error.message}. The environment stays ready; ${progress.updated} resources were updated.`,
    });
    return error.message;
  },

  async finish(tx, scope, { environment }, outcome) {
    if (outcome.status === "failed") return;
    await recordAudit(tx, systemActor, {
      action: "environment.updated",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { runId: scope.run.id, resourcesUpdated: outcome.result },
    });
    scope.log({ level: "info", message: `Update finished: ${outcome.result} resources carry the new expiry` });
  },
});
