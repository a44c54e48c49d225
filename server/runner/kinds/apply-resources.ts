/**
 * Applying an environment resource by resource (engines without `applyAll`). Each resource is
 * tracked (status creating) BEFORE its engine is asked for it, and the engine adopts what already
 * exists under the same idempotency key, so a retried or resumed run never creates a duplicate
 * and never loses track of one. One statement per resource: the previous resource's `ready` goes
 * with the next one's `creating` and the log lines between them (bookkeeping.ts).
 */
import type { Environment, EnvironmentResource } from "~/db/schema";
import type { ActualResource, Engine, EngineContext } from "~/server/engines/engine";
import type { Plan, PlannedResource } from "~/server/templates/plan";
import { sealSensitive, toActual } from "../actual";
import { writeResources, type ResourceWrite } from "../bookkeeping";
import { applyOrder, resolveReferences } from "../references";
import { withRetry } from "../retry";
import type { RunScope } from "../scope";
import { tagsFor } from "../tags";

/** Creates every planned resource not made yet; returns them all as the engine reports them. */
export async function applyResources(
  scope: RunScope,
  input: { environment: Environment; plan: Plan; engine: Engine; ready: EnvironmentResource[] },
): Promise<Map<string, ActualResource>> {
  const { environment, engine } = input;
  const ctx = scope.engineContext(environment.id);
  const ordered: PlannedResource[] = applyOrder(input.plan.resources);
  const actual = new Map<string, ActualResource>(input.ready.map((r) => [r.address, toActual(r)]));
  scope.log({ level: "info", message: `Plan: ${ordered.length} resources, ${actual.size} already created` });
  // The last resource's `ready`, written with the next statement.
  let made: ResourceWrite | null = null;
  try {
    for (const planned of ordered) {
      scope.signal.throwIfAborted();
      if (actual.has(planned.address)) continue;
      const properties = resolveReferences(planned.properties, actual) as Record<string, unknown>;
      const idempotencyKey = `${environment.id}/${planned.address}`;
      const tags = tagsFor(planned.tags, environment);
      scope.log({
        level: "info",
        message: `Creating ${planned.address} (${planned.type}${planned.size ? `, ${planned.size}` : ""})`,
        address: planned.address,
      });
      const track: ResourceWrite = {
        op: "track",
        environmentId: environment.id,
        address: planned.address,
        type: planned.type,
        idempotencyKey,
        properties,
        tags,
        hourlyMicros: planned.hourlyMicros,
      };
      const { trackedId } = await writeResources(scope, made ? [made, track] : [track]);
      made = null;
      if (!trackedId) throw new Error(`resource row for ${planned.address} was not written`);
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
      made = {
        op: "ready",
        id: trackedId,
        providerId: result.providerId,
        attributes: result.attributes,
        sensitiveCiphertext: sealSensitive(trackedId, result.sensitive),
      };
    }
  } catch (error) {
    // Stopped or failed after a resource was made: its record still says so (best effort; a
    // resumed run would adopt it by its key anyway).
    if (made) await writeResources(scope, [made]).catch(() => undefined);
    throw error;
  }
  if (made) await writeResources(scope, [made]);
  return actual;
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
