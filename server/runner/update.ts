/**
 * Update runs: a change in place to a ready environment. Today that is the `expires-at` tag
 * after an extension: every resource whose tags differ from what the environment now says is
 * updated through its engine (which adopts the resource by provider id and changes only its
 * tags), then our row, whose new tags the cost record follows. Interrupted, it resumes like any
 * run; a failure leaves the environment ready (its resources are untouched) and says so.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, runs } from "~/db/schema";
import type { EngineName } from "~/server/engines/types";
import { recordAudit, systemActor } from "~/server/core/audit";
import { toActual, type RunnerOptions } from "./provision";
import { withRetry } from "./retry";
import { handBack, runScope } from "./run-scope";
import { applyWholeEnvironment } from "./whole-environment";

/** The tags a resource of this environment must carry now (only `expires-at` moves after creation). */
export function currentTags(tags: Record<string, string>, environment: { expiresAt: Date }): Record<string, string> {
  return { ...tags, "expires-at": environment.expiresAt.toISOString() };
}

export async function executeUpdate(db: Database, run: typeof runs.$inferSelect, options: RunnerOptions): Promise<"succeeded" | "failed" | "handed_back"> {
  const [environment] = await db.select().from(environments).where(eq(environments.id, run.environmentId));
  if (!environment) throw new Error("the run's environment is missing");
  const engine = options.engines(environment.engine as EngineName);
  const scope = runScope(db, run.id, options);
  const { log, retry, signal } = scope;
  const ctx = { environmentId: environment.id, log, signal };
  let updated = 0;
  try {
    await log({ level: "info", message: `Update started on ${options.workerId}: expires-at becomes ${environment.expiresAt.toISOString()}` });
    // A whole-environment engine (terraform) applies the new tags through its configuration; its rows follow its state.
    if (engine.applyAll) updated = (await applyWholeEnvironment(db, { environmentId: environment.id, engine, ctx, retry })).resources;
    const rows = await db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environment.id), eq(environmentResources.status, "ready")))
      .orderBy(environmentResources.createdAt);
    for (const row of rows) {
      signal.throwIfAborted();
      const tags = currentTags(row.tags, environment);
      if (JSON.stringify(tags) === JSON.stringify(row.tags)) continue;
      if (!engine.applyAll) {
        const existing = toActual(row);
        await withRetry(() => engine.apply(ctx, { address: row.address, type: row.type, properties: row.properties, tags, idempotencyKey: row.idempotencyKey }, existing), retry);
      }
      await db.update(environmentResources).set({ tags }).where(eq(environmentResources.id, row.id));
      updated++;
      await log({ level: "info", message: `Updated tags of ${row.address}`, address: row.address });
    }
  } catch (error) {
    scope.release();
    if (signal.aborted) return handBack(db, run.id, log, "update");
    const message = (error as Error).message;
    await log({ level: "error", message: `Update failed: ${message}. The environment stays ready; ${updated} resources were updated.` });
    await db.update(runs).set({ status: "failed", finishedAt: new Date(), error: message }).where(eq(runs.id, run.id));
    return "failed";
  }
  scope.release();
  await db.transaction(async (tx) => {
    await tx.update(runs).set({ status: "succeeded", finishedAt: new Date(), error: null }).where(eq(runs.id, run.id));
    await recordAudit(tx, systemActor, { action: "environment.updated", subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: environment.requestId, after: { runId: run.id, resourcesUpdated: updated } });
  });
  await log({ level: "info", message: `Update finished: ${updated} resources carry the new expiry` });
  return "succeeded";
}
