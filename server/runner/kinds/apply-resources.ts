/**
 * Applying an environment resource by resource (engines without `applyAll`). Each resource is
 * tracked (status creating) BEFORE its engine is asked for it, and the engine adopts what already
 * exists under the same idempotency key, so a retried or resumed run never creates a duplicate
 * and never loses track of one. The records are written alongside the engine calls, one statement
 * at a time, and waited for only when a resource's row is not committed yet (apply-pipeline.ts).
 */
import type { Environment, EnvironmentResource } from "~/db/schema";
import type { ActualResource, Engine, EngineContext } from "~/server/engines/engine";
import type { Plan, PlannedResource } from "~/server/templates/plan";
import { sealSensitive, toActual } from "../actual";
import { writeResources, type ResourceWrite } from "../bookkeeping";
import { applyOrder } from "../references";
import { withRetry } from "../retry";
import type { RunScope } from "../scope";
import { ApplyBookkeeping } from "./apply-pipeline";

/**
 * Creates every planned resource not made yet; returns them all as the engine reports them, and the
 * record writes that go with the run's outcome statement (the last resource's ready: ApplyBookkeeping.finish).
 */
export async function applyResources(
  scope: RunScope,
  input: { environment: Environment; plan: Plan; engine: Engine; ready: EnvironmentResource[] },
): Promise<{ actual: Map<string, ActualResource>; withOutcome: ResourceWrite[] }> {
  const { environment, engine } = input;
  const ctx = scope.engineContext(environment.id);
  const ordered: PlannedResource[] = applyOrder(input.plan.resources);
  const actual = new Map<string, ActualResource>(input.ready.map((r) => [r.address, toActual(r)]));
  scope.log({ level: "info", message: `Plan: ${ordered.length} resources, ${actual.size} already created` });
  let withOutcome: ResourceWrite[] = [];
  const book = new ApplyBookkeeping(
    scope,
    environment,
    ordered.filter((p) => !actual.has(p.address)),
    actual,
  );
  try {
    for (const planned of ordered) {
      scope.signal.throwIfAborted();
      if (actual.has(planned.address)) continue;
      scope.log({
        level: "info",
        message: `Creating ${planned.address} (${planned.type}${planned.size ? `, ${planned.size}` : ""})`,
        address: planned.address,
      });
      // Its row committed before the engine is asked (usually already: tracked ahead).
      const { id, properties, tags, idempotencyKey } = await book.track(planned);
      const started = Date.now();
      const desired = { address: planned.address, type: planned.type, properties, tags, idempotencyKey };
      // Secret inputs (a database's owner password) go to the engine only, never to our rows or the log.
      const wanted = engine.withSecretInputs ? engine.withSecretInputs(desired, actual) : desired;
      const result = await withRetry(() => engine.apply(ctx, wanted, null), scope.retry);
      actual.set(planned.address, result);
      const durationMs = Date.now() - started;
      scope.log({
        level: "info",
        message: `Created ${planned.address} as ${result.providerId} in ${durationMs} ms`,
        address: planned.address,
        data: { durationMs },
      });
      book.made({
        op: "ready",
        id,
        providerId: result.providerId,
        attributes: result.attributes,
        sensitiveCiphertext: sealSensitive(id, result.sensitive),
        readyAt: new Date(),
      });
    }
    // Every statement committed; the last ready goes with the outcome.
    withOutcome = await book.finish();
  } catch (error) {
    // Stopped or failed: what was made recorded ready, rows tracked ahead and never used dropped
    // (best effort; a resumed run would adopt what exists by its key anyway).
    await book.abandon().catch(() => undefined);
    throw error;
  }
  return { actual, withOutcome };
}

/** Cleanup after a failed apply (template policy `cleanup`): destroys what it touched, newest first; returns how many are gone. */
export async function cleanUpResources(
  scope: RunScope,
  input: { engine: Engine; ctx: EngineContext; touched: EnvironmentResource[] },
): Promise<number> {
  const { engine, ctx, touched } = input;
  scope.log({ level: "info", message: `Cleaning up ${touched.length} resources (template policy: cleanup)` });
  // What the engine really has, so a resource created just before a crash is found by its key.
  let readFailed = false;
  const existing = await withRetry(() => engine.read(ctx), scope.retry).catch(() => {
    readFailed = true;
    return [] as ActualResource[];
  });
  const byKey = new Map(existing.map((r) => [r.idempotencyKey, r]));
  let destroyed = 0;
  for (const row of [...touched].reverse()) {
    // Unread, a resource whose create answer was lost may still exist: the engine looks it up by its key.
    const found = byKey.get(row.idempotencyKey) ?? (row.providerId || readFailed ? toActual(row) : null);
    let gone = true;
    try {
      if (found) await withRetry(() => engine.destroy(ctx, found), scope.retry);
      scope.log({ level: "info", message: `Destroyed ${row.address}`, address: row.address });
      destroyed++;
    } catch (cleanupError) {
      gone = false;
      scope.log({ level: "error", message: `Could not destroy ${row.address}: ${(cleanupError as Error).message}`, address: row.address });
    }
    // Never silently dropped: a resource cleanup could not destroy stays tracked, as failed.
    await writeResources(scope, [{ op: "status", id: row.id, status: gone ? "deleted" : "failed" }]);
  }
  return destroyed;
}
