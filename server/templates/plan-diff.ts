/**
 * The plan diff of a change to a live environment: the plan of its current template version and
 * parameters against the plan of the target ones, per resource address. A change to a property
 * the resource type declares immutable (a subnet's CIDR, an instance's image) replaces the
 * resource, and so does a changed reference to a replaced resource through an immutable
 * property: a replace is never shown as an update. Pure; the update preview, the submit, the
 * update run and the fleet dry run all use it.
 */
import { engineRegistry } from "~/server/engines/registry";
import { isReference } from "~/server/engines/properties";
import type { EngineName } from "~/server/engines/types";
import type { PlannedResource } from "./plan";

export const diffActions = ["create", "update", "replace", "delete", "noop"] as const;
export type DiffAction = (typeof diffActions)[number];

export type PropertyChange = { property: string; from: unknown; to: unknown; immutable: boolean };

export type ResourceDiff = {
  address: string;
  type: string;
  title: string;
  action: DiffAction;
  /** Property (and `tags.<key>`) changes; for a create or delete, empty. */
  changes: PropertyChange[];
  /** A stateful resource (database, volume, bucket) replaced or deleted: its data does not survive. */
  destructive: boolean;
  /** Why it is replaced ("cidr is immutable", "replaces net"). */
  reason: string | null;
  monthlyCentsBefore: number;
  monthlyCentsAfter: number;
};

export type PlanDiff = {
  resources: ResourceDiff[];
  counts: Record<DiffAction, number>;
  /** Addresses of stateful resources replaced or deleted: the change needs an explicit confirmation. */
  destructive: string[];
};

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The template resource ids a property value refers to (`{ $ref: "resources.net.id" }`). */
function referencedIds(value: unknown): string[] {
  if (isReference(value)) return [...value.$ref.matchAll(/resources\.([a-z][a-z0-9_]*)/g)].map((m) => m[1] ?? "");
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value && typeof value === "object") return Object.values(value).flatMap(referencedIds);
  return [];
}

/** Tags the portal moves on its own (expiry after an extension): not a change a user asked for. */
const ignoredTags = new Set(["expires-at", "request-id"]);

export function diffPlans(engine: EngineName, before: readonly PlannedResource[], after: readonly PlannedResource[]): PlanDiff {
  const types = engineRegistry[engine].resourceTypes;
  const old = new Map(before.map((r) => [r.address, r]));
  const diffs: ResourceDiff[] = [];
  for (const next of after) {
    const prev = old.get(next.address);
    old.delete(next.address);
    const definition = types[next.type];
    if (!prev) {
      diffs.push({ ...base(next, null), action: "create" });
      continue;
    }
    const immutable = new Set(definition?.immutable ?? []);
    const changes: PropertyChange[] = [];
    for (const key of new Set([...Object.keys(prev.properties), ...Object.keys(next.properties)])) {
      if (!same(prev.properties[key], next.properties[key]))
        changes.push({ property: key, from: prev.properties[key] ?? null, to: next.properties[key] ?? null, immutable: immutable.has(key) });
    }
    for (const key of new Set([...Object.keys(prev.tags), ...Object.keys(next.tags)])) {
      if (!ignoredTags.has(key) && prev.tags[key] !== next.tags[key])
        changes.push({ property: `tags.${key}`, from: prev.tags[key] ?? null, to: next.tags[key] ?? null, immutable: false });
    }
    const typeChanged = prev.type !== next.type;
    const fixed = changes.filter((c) => c.immutable).map((c) => c.property);
    const action: DiffAction = typeChanged || fixed.length ? "replace" : changes.length ? "update" : "noop";
    diffs.push({
      ...base(next, prev),
      action,
      changes,
      reason: typeChanged ? `type changes from ${prev.type}` : fixed.length ? `${fixed.join(", ")} cannot change in place` : null,
    });
  }
  for (const prev of old.values()) diffs.push({ ...base(null, prev), action: "delete" });
  cascadeReplacements(diffs, after, types);
  for (const d of diffs) d.destructive = (d.action === "replace" || d.action === "delete") && types[d.type]?.stateful === true;
  const counts = Object.fromEntries(diffActions.map((a) => [a, diffs.filter((d) => d.action === a).length])) as Record<DiffAction, number>;
  return { resources: diffs, counts, destructive: diffs.filter((d) => d.destructive).map((d) => d.address) };
}

function base(next: PlannedResource | null, prev: PlannedResource | null): ResourceDiff {
  const r = (next ?? prev)!;
  return {
    address: r.address,
    type: r.type,
    title: r.title,
    action: "noop",
    changes: [],
    destructive: false,
    reason: null,
    monthlyCentsBefore: prev?.monthlyCents ?? 0,
    monthlyCentsAfter: next?.monthlyCents ?? 0,
  };
}

/**
 * A replaced resource gets a new id, so whatever refers to it through an immutable property must
 * be replaced too (an instance cannot move to another subnet); through a mutable one it is updated.
 */
function cascadeReplacements(diffs: ResourceDiff[], after: readonly PlannedResource[], types: (typeof engineRegistry)[EngineName]["resourceTypes"]) {
  const planned = new Map(after.map((r) => [r.address, r]));
  const replacedIds = () => new Set(diffs.filter((d) => d.action === "replace").map((d) => planned.get(d.address)?.id));
  // A counted resource that gains or loses instances changes every list that refers to it (a load balancer's subnets).
  const idOf = (address: string) => address.replace(/\[\d+\]$/, "");
  const resized = new Set(diffs.filter((d) => d.action === "create" || d.action === "delete").map((d) => idOf(d.address)));
  for (const d of diffs) {
    const r = planned.get(d.address);
    if (!r || d.action !== "noop") continue;
    const hit = Object.values(r.properties).flatMap(referencedIds).find((id) => resized.has(id) && id !== r.id);
    if (hit) {
      d.action = "update";
      d.reason = `${hit} gains or loses instances`;
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    const replaced = replacedIds();
    for (const d of diffs) {
      const r = planned.get(d.address);
      if (!r || d.action === "create" || d.action === "replace") continue;
      const immutable = new Set(types[r.type]?.immutable ?? []);
      for (const [key, value] of Object.entries(r.properties)) {
        const hit = referencedIds(value).find((id) => replaced.has(id));
        if (!hit) continue;
        if (immutable.has(key)) {
          d.action = "replace";
          d.reason = `${hit} is replaced and ${key} cannot change in place`;
          changed = true;
          break;
        }
        if (d.action === "noop") {
          d.action = "update";
          d.reason = `${hit} is replaced`;
        }
      }
    }
  }
}
