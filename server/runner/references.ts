/**
 * Resolving a plan's `{ $ref }` values once the resources they point at exist. A reference to a
 * counted resource without an index is the list of every instance's value.
 */
import type { ActualResource } from "~/server/engines/engine";
import { isReference } from "~/server/engines/properties";

const refPattern = /^resources\.([a-z][a-z0-9_]*)(?:\[(\d+)\])?\.([a-z_*][a-z0-9_]*)$/;
const embedded = /\$\{([^}]*)\}/g;

/** The resource ids a value refers to (for ordering: those must exist first). */
export function referencedIds(value: unknown): string[] {
  if (isReference(value)) {
    const texts = value.$ref.includes("${") ? [...value.$ref.matchAll(embedded)].map((m) => m[1] ?? "") : [value.$ref];
    return texts.flatMap((t) => {
      const id = refPattern.exec(t.trim())?.[1];
      return id ? [id] : [];
    });
  }
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value && typeof value === "object") return Object.values(value).flatMap(referencedIds);
  return [];
}

export class UnresolvedReference extends Error {}

function lookup(expression: string, actual: ReadonlyMap<string, ActualResource>): unknown {
  const m = refPattern.exec(expression.trim());
  if (!m) throw new UnresolvedReference(`"${expression}" is not a resource reference`);
  const [, id = "", index, attribute = ""] = m;
  const valueOf = (r: ActualResource) => {
    const value = attribute in r.sensitive ? r.sensitive[attribute] : r.attributes[attribute];
    if (value === undefined) throw new UnresolvedReference(`${r.address} has no attribute ${attribute}`);
    return value;
  };
  const single = actual.get(index === undefined ? id : `${id}[${index}]`);
  if (single) return valueOf(single);
  if (index === undefined) {
    const instances = [...actual.values()]
      .filter((r) => r.address.startsWith(`${id}[`))
      .sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }));
    if (instances.length) return instances.map(valueOf);
  }
  throw new UnresolvedReference(`resources.${id}${index === undefined ? "" : `[${index}]`} does not exist (yet)`);
}

/** Replaces every `{ $ref }` in `value` with what the referenced resources report. */
export function resolveReferences(value: unknown, actual: ReadonlyMap<string, ActualResource>): unknown {
  if (isReference(value)) {
    if (!value.$ref.includes("${")) return lookup(value.$ref, actual);
    return value.$ref.replace(embedded, (_, expression: string) => String(lookup(expression, actual)));
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, actual));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, actual)]));
  return value;
}

/** Orders planned resources so each comes after what it refers to; a loop is a permanent error. */
export function applyOrder<T extends { address: string; id: string; properties: Record<string, unknown> }>(resources: readonly T[]): T[] {
  const byId = new Map<string, T[]>();
  for (const r of resources) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const ordered: T[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (r: T, trail: string[]) => {
    if (state.get(r.address) === "done") return;
    if (state.get(r.address) === "visiting") throw new Error(`resources refer to each other in a loop: ${[...trail, r.address].join(" → ")}`);
    state.set(r.address, "visiting");
    for (const id of referencedIds(r.properties)) for (const dep of byId.get(id) ?? []) if (dep !== r) visit(dep, [...trail, r.address]);
    state.set(r.address, "done");
    ordered.push(r);
  };
  for (const r of resources) visit(r, []);
  return ordered;
}
