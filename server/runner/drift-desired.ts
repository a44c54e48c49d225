/**
 * What a per-resource environment should look like now: its plan's resources with references
 * resolved as the apply run resolved them (the recorded row's properties where one exists), and
 * the tags the environment says they carry (tagsFor: the stored expiry included).
 */
import type { EnvironmentResource } from "~/db/schema";
import type { ActualResource, DesiredResource } from "~/server/engines/engine";
import type { Plan } from "~/server/templates/plan";
import { applyOrder, resolveReferences } from "./references";
import { tagsFor } from "./tags";

export function desiredResources(
  environment: { id: string; expiresAt: Date },
  plan: Plan,
  recorded: readonly EnvironmentResource[],
): DesiredResource[] {
  const rows = new Map(recorded.map((r) => [r.address, r]));
  // Secrets are not needed to resolve properties: references read attributes, which are stored in the clear.
  const known = new Map<string, ActualResource>(
    recorded.map((r) => [
      r.address,
      {
        address: r.address,
        type: r.type,
        providerId: r.providerId ?? "",
        properties: r.properties,
        attributes: r.attributes,
        sensitive: {},
        tags: r.tags,
        idempotencyKey: r.idempotencyKey,
        status: "ready",
      },
    ]),
  );
  return applyOrder(plan.resources).map((planned) => {
    const row = rows.get(planned.address);
    let properties = row?.properties;
    if (!properties) {
      try {
        properties = resolveReferences(planned.properties, known) as Record<string, unknown>;
      } catch {
        properties = planned.properties;
      }
    }
    return {
      address: planned.address,
      type: planned.type,
      properties,
      tags: tagsFor(planned.tags, environment),
      idempotencyKey: `${environment.id}/${planned.address}`,
    };
  });
}
