/**
 * Drift for per-resource engines (sim, postgres): what the environment wants (its plan, resolved
 * as the apply run resolved it) against what the engine's `read()` reports. Uses the engine's own
 * `plan()` so a property is compared as the engine stores it (defaults filled in). Pure.
 */
import { createHash } from "node:crypto";
import type { ActualResource, DesiredResource, Engine } from "./engine";
import type { DriftReport, ResourceDrift, ValueDrift } from "./drift";

/**
 * `recorded`: the provider id our records hold per address (a desired resource the engine no
 * longer reports was deleted outside the portal). An extra resource counts only when it carries
 * our `managed-by` tag: `read()` finds resources by the environment's tag already.
 */
export function compareDrift(
  engine: Pick<Engine, "plan">,
  desired: readonly DesiredResource[],
  actual: readonly ActualResource[],
  recorded: ReadonlyMap<string, string | null> = new Map(),
): DriftReport {
  const live = actual.filter((r) => r.status !== "failed");
  const resources: ResourceDrift[] = [];
  for (const change of engine.plan(desired, live)) {
    if (change.action === "create") {
      resources.push({ kind: "missing", address: change.address, type: change.type, providerId: recorded.get(change.address) ?? null });
    } else if (change.action === "delete" && change.existing) {
      if (change.existing.tags["managed-by"] !== "provisio") continue;
      resources.push({ kind: "extra", address: change.address, type: change.type, providerId: change.existing.providerId });
    } else if (change.action === "update" && change.existing && change.desired) {
      const wanted = change.desired;
      const properties: ValueDrift[] = [];
      const tags: ValueDrift[] = [];
      for (const difference of change.differences) {
        if (difference.startsWith("tags.")) {
          const key = difference.slice(5);
          tags.push({ path: key, desired: wanted.tags[key] ?? null, actual: change.existing.tags[key] ?? null });
        } else {
          properties.push({
            path: difference,
            desired: wanted.properties[difference] ?? null,
            actual: change.existing.properties[difference] ?? null,
          });
        }
      }
      // planByAddress compares JSON text, which is key-order sensitive (jsonb reorders keys): only real differences count.
      const real = properties.filter((p) => stable(p.desired) !== stable(p.actual));
      if (!real.length && !tags.length) continue;
      resources.push({ kind: "changed", address: change.address, type: change.type, providerId: change.existing.providerId, properties: real, tags });
    }
  }
  resources.sort((a, b) => a.address.localeCompare(b.address));
  return { resources };
}

/** Key-sorted JSON, so equal reports hash equally. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value ?? null);
}

/** Identifies one drift: the same differences give the same fingerprint (notify once per new drift). */
export function driftFingerprint(report: DriftReport): string | null {
  if (!report.resources.length) return null;
  return createHash("sha256").update(stable(report.resources)).digest("hex").slice(0, 32);
}
