/**
 * Moving a live environment's resources to a new plan, resource by resource (engines without
 * `applyAll`): the update run (to the target version and parameters) and the rollback run (back
 * to what the environment row says) both converge with this.
 *
 *   create   tracked (creating) before the engine is asked, as in apply
 *   update   in place through the engine, then the row (properties, tags, rate)
 *   replace  create-before-destroy: the old row steps aside (renamed `<address>~<run>`), the new
 *            one is tracked under the address with its own idempotency key, and the old resource
 *            is deleted once everything new exists
 *   delete   last, newest first, so dependants go before what they depend on
 *
 * A change to a property the resource type declares immutable is a replace, never an update;
 * a replaced resource's new id flows into what refers to it (which is then replaced in turn when
 * that reference is immutable). Every step is recorded before and after the engine call, so a
 * resumed run adopts what an earlier attempt made and never makes a duplicate.
 */
import { and, eq, inArray } from "drizzle-orm";
import { environmentResources, type Environment, type EnvironmentResource } from "~/db/schema";
import { unfinishedResourceStatuses } from "~/db/vocabulary";
import type { ActualResource, Engine } from "~/server/engines/engine";
import { engineRegistry } from "~/server/engines/registry";
import type { EngineName } from "~/server/engines/types";
import type { Plan, PlannedResource } from "~/server/templates/plan";
import { sealSensitive, toActual } from "./actual";
import { writeResources } from "./bookkeeping";
import { applyOrder, resolveReferences } from "./references";
import { withRetry } from "./retry";
import type { RunScope } from "./scope";
import { tagsFor } from "./tags";

export type ConvergeCounts = { created: number; updated: number; replaced: number; deleted: number; restored: number };

const stable = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(stable).join(",")}]`
    : value && typeof value === "object"
      ? `{${Object.keys(value)
          .sort()
          .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
          .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
          .join(",")}}`
      : JSON.stringify(value ?? null);

/** The marker of a row that stepped aside for its replacement during run `runId`. */
export const asideSuffix = (runId: string) => `~${runId.slice(0, 8)}`;
const isAside = (address: string) => address.includes("~");

/** The live rows of an environment (ready, or tracked and not confirmed yet). */
export async function liveRows(scope: RunScope, environmentId: string): Promise<EnvironmentResource[]> {
  return scope.db
    .select()
    .from(environmentResources)
    .where(
      and(
        eq(environmentResources.environmentId, environmentId),
        inArray(environmentResources.status, [...unfinishedResourceStatuses, "ready", "deleting"]),
      ),
    )
    .orderBy(environmentResources.createdAt);
}

/**
 * Rollback first undoes replacements: a row that stepped aside and still exists gets its address
 * back, and the replacement made for it is deleted. So the old resource (and its data) is what
 * the environment keeps, not a third copy.
 */
export async function restoreReplaced(scope: RunScope, engine: Engine, environmentId: string): Promise<number> {
  const ctx = scope.engineContext(environmentId);
  const rows = await liveRows(scope, environmentId);
  let restored = 0;
  for (const aside of rows.filter((r) => isAside(r.address) && r.status === "ready")) {
    scope.signal.throwIfAborted();
    const address = aside.address.slice(0, aside.address.indexOf("~"));
    const replacement = rows.find((r) => r.address === address);
    if (replacement) {
      await writeResources(scope, [{ op: "status", id: replacement.id, status: "deleting" }]);
      await withRetry(() => engine.destroy(ctx, toActual(replacement)), scope.retry);
      scope.log({ level: "info", message: `Deleted the replacement of ${address} (${replacement.providerId ?? "never created"})`, address });
      await writeResources(scope, [{ op: "retire", id: replacement.id, address: `${address}${asideSuffix(scope.run.id)}-undone` }]);
    }
    await writeResources(scope, [{ op: "rename", id: aside.id, address }]);
    scope.log({ level: "info", message: `Restored ${address} (${aside.providerId})`, address });
    restored++;
  }
  return restored;
}

export async function convergeResources(
  scope: RunScope,
  input: { environment: Environment; engine: Engine; engineName: EngineName; plan: Plan },
): Promise<ConvergeCounts> {
  const { environment, engine, plan } = input;
  const ctx = scope.engineContext(environment.id);
  const types = engineRegistry[input.engineName].resourceTypes;
  const counts: ConvergeCounts = { created: 0, updated: 0, replaced: 0, deleted: 0, restored: 0 };
  const key = (address: string) => `${environment.id}/${address}#${scope.run.id.slice(0, 8)}`;
  const rows = await liveRows(scope, environment.id);
  // Keys already used by any row of the environment (deleted ones too): a new resource gets a fresh one.
  const usedKeys = new Set(
    (
      await scope.db
        .select({ key: environmentResources.idempotencyKey })
        .from(environmentResources)
        .where(eq(environmentResources.environmentId, environment.id))
    ).map((r) => r.key),
  );
  const byAddress = new Map(rows.map((r) => [r.address, r]));
  // Only what the plan keeps: a reference to a counted resource must not pick up instances about to be deleted.
  const kept = new Set(plan.resources.map((r) => r.address));
  const actual = new Map<string, ActualResource>(
    rows.filter((r) => r.status === "ready" && kept.has(r.address)).map((r) => [r.address, toActual(r)]),
  );
  const wanted = new Set<string>();

  for (const planned of applyOrder<PlannedResource>(plan.resources)) {
    scope.signal.throwIfAborted();
    wanted.add(planned.address);
    const properties = resolveReferences(planned.properties, actual) as Record<string, unknown>;
    const tags = tagsFor(planned.tags, environment);
    const row = byAddress.get(planned.address);
    const immutable = new Set(types[planned.type]?.immutable ?? []);
    const changed = row ? Object.keys({ ...row.properties, ...properties }).filter((k) => stable(row.properties[k]) !== stable(properties[k])) : [];
    const replacing = row && row.status === "ready" && (row.type !== planned.type || changed.some((k) => immutable.has(k)));
    const resumingCreate = row && (unfinishedResourceStatuses as readonly string[]).includes(row.status);
    if (row && !replacing && !resumingCreate) {
      if (!changed.length && stable(row.tags) === stable(tags) && row.hourlyMicros === planned.hourlyMicros) continue;
      const desired = { address: planned.address, type: planned.type, properties, tags, idempotencyKey: row.idempotencyKey };
      const wantedCopy = engine.withSecretInputs ? engine.withSecretInputs(desired, actual) : desired;
      scope.log({
        level: "info",
        message: `Updating ${planned.address} in place${changed.length ? ` (${changed.join(", ")})` : " (tags)"}`,
        address: planned.address,
      });
      const result = await withRetry(() => engine.apply(ctx, wantedCopy, toActual(row)), scope.retry);
      actual.set(planned.address, result);
      await writeResources(scope, [
        {
          op: "changed",
          id: row.id,
          properties,
          tags,
          hourlyMicros: planned.hourlyMicros,
          attributes: result.attributes,
          sensitiveCiphertext: sealSensitive(row.id, result.sensitive),
        },
      ]);
      counts.updated++;
      continue;
    }
    // Create, or create-before-destroy: the old row steps aside first, so the address is free for the new one.
    if (replacing) {
      scope.log({
        level: "info",
        message: `Replacing ${planned.address}: ${row.type !== planned.type ? "its type changes" : `${changed.filter((k) => immutable.has(k)).join(", ")} cannot change in place`} (the new one is created first)`,
        address: planned.address,
      });
      await writeResources(scope, [{ op: "rename", id: row.id, address: `${planned.address}${asideSuffix(scope.run.id)}` }]);
    }
    const idempotencyKey = resumingCreate
      ? row.idempotencyKey
      : replacing || usedKeys.has(`${environment.id}/${planned.address}`)
        ? key(planned.address)
        : `${environment.id}/${planned.address}`;
    if (!replacing)
      scope.log({
        level: "info",
        message: `${resumingCreate ? "Resuming the creation of" : "Creating"} ${planned.address} (${planned.type})`,
        address: planned.address,
      });
    const { trackedId } = await writeResources(scope, [
      {
        op: "track",
        environmentId: environment.id,
        address: planned.address,
        type: planned.type,
        idempotencyKey,
        properties,
        tags,
        hourlyMicros: planned.hourlyMicros,
      },
    ]);
    if (!trackedId) throw new Error(`resource row for ${planned.address} was not written`);
    const desired = { address: planned.address, type: planned.type, properties, tags, idempotencyKey };
    const wantedCopy = engine.withSecretInputs ? engine.withSecretInputs(desired, actual) : desired;
    const result = await withRetry(() => engine.apply(ctx, wantedCopy, null), scope.retry);
    actual.set(planned.address, result);
    await writeResources(scope, [
      {
        op: "ready",
        id: trackedId,
        providerId: result.providerId,
        attributes: result.attributes,
        sensitiveCiphertext: sealSensitive(trackedId, result.sensitive),
      },
    ]);
    scope.log({
      level: "info",
      message: `${replacing ? "Created the replacement of" : "Created"} ${planned.address} as ${result.providerId}`,
      address: planned.address,
    });
    if (replacing) counts.replaced++;
    else counts.created++;
  }

  // What the plan no longer has, and what stepped aside for a replacement: newest first.
  const leftovers = (await liveRows(scope, environment.id)).filter((r) => !wanted.has(r.address)).reverse();
  for (const row of leftovers) {
    scope.signal.throwIfAborted();
    await writeResources(scope, [{ op: "status", id: row.id, status: "deleting" }]);
    await withRetry(() => engine.destroy(ctx, toActual(row)), scope.retry);
    await writeResources(scope, [
      { op: "retire", id: row.id, address: isAside(row.address) ? row.address : `${row.address}${asideSuffix(scope.run.id)}-gone` },
    ]);
    scope.log({ level: "info", message: `Deleted ${row.address}${row.providerId ? ` (${row.providerId})` : ""}`, address: row.address });
    if (!isAside(row.address)) counts.deleted++;
  }
  return counts;
}
