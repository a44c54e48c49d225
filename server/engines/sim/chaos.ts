/**
 * Drift on purpose (issue 13): changes made to the simulated cloud "outside the portal", so a
 * drift check has something to find in the demo and in tests. Never used by a run. Each change
 * goes through the cloud's own API, as a console click would.
 */
import type { SimCloud, SimResource } from "./cloud";

export const chaosKinds = ["property", "delete", "tag"] as const;
export type ChaosKind = (typeof chaosKinds)[number];

export type ChaosChange = { kind: ChaosKind; resourceId: string; type: string; detail: string };

/** The mandatory tags a "strip a tag" removes (never environment-id: the resource would no longer be found as ours). */
const strippable = ["cost-center", "owner", "team", "tier"];

/** A different value of a property the cloud lets change in place, or null when the resource has none we know. */
function otherValue(resource: SimResource): { field: string; value: unknown } | null {
  const p = resource.properties;
  if (typeof p.instance_type === "string") return { field: "instance_type", value: p.instance_type === "t3.small" ? "t3.micro" : "t3.small" };
  if (typeof p.size_gb === "number") return { field: "size_gb", value: p.size_gb + 10 };
  if (typeof p.disk_gb === "number") return { field: "disk_gb", value: p.disk_gb + 10 };
  return null;
}

/**
 * Makes one change of `kind` to one resource of the environment (the first that allows it,
 * newest first, so a delete does not hit what others depend on); with `rate` < 1 each resource
 * is considered with that probability. Returns what was changed ([] when nothing could be).
 */
export async function causeDrift(
  cloud: SimCloud,
  input: { environmentId: string; kind: ChaosKind; rate?: number; random?: () => number },
): Promise<ChaosChange[]> {
  const random = input.random ?? Math.random;
  const rate = input.rate ?? 1;
  const live = (await cloud.inventory({ tags: { "environment-id": input.environmentId } })).filter(
    (r) => r.state !== "deleted" && r.state !== "reclaimed",
  );
  for (const resource of [...live].reverse()) {
    if (rate < 1 && random() >= rate) continue;
    if (input.kind === "tag") {
      const key = strippable.find((k) => k in resource.tags);
      if (!key) continue;
      const tags = Object.fromEntries(Object.entries(resource.tags).filter(([k]) => k !== key));
      await cloud.update(resource.id, { tags });
      return [{ kind: "tag", resourceId: resource.id, type: resource.type, detail: `removed the ${key} tag` }];
    }
    if (input.kind === "property") {
      const change = otherValue(resource);
      if (!change) continue;
      try {
        await cloud.update(resource.id, { properties: { ...resource.properties, [change.field]: change.value } });
      } catch {
        continue; // the cloud refused this one (capacity, a rule): try another
      }
      return [{ kind: "property", resourceId: resource.id, type: resource.type, detail: `${change.field} set to ${JSON.stringify(change.value)}` }];
    }
    try {
      await cloud.delete(resource.id);
    } catch {
      continue; // something depends on it: try another
    }
    return [{ kind: "delete", resourceId: resource.id, type: resource.type, detail: "deleted" }];
  }
  return [];
}
