/**
 * What the simulated cloud knows about each resource type beyond its property schema: the
 * prefix of its ids, which properties hold ids of other resources (and whether those block a
 * delete), which properties cannot change in place, and which types are regional.
 */
import { randomBytes } from "node:crypto";

export type ReferenceSpec = {
  /** The property holding an id (or a list of ids). */
  field: string;
  /** Types the id may be of. */
  types: readonly string[];
  /** A live referrer blocks deleting the target (AWS DependencyViolation); otherwise the delete goes ahead. */
  blocking: boolean;
};

export type Kind = {
  prefix: string;
  regional: boolean;
  references: readonly ReferenceSpec[];
  /** Properties an update may not change: the resource must be replaced. */
  immutable: readonly string[];
  /** Runs instances as members (an autoscaling group, a node pool); `sizeField` is the desired count. */
  pool?: { sizeField: string; idsAttribute: string };
};

const subnets: ReferenceSpec = { field: "subnets", types: ["subnet"], blocking: true };
const securityGroup: ReferenceSpec = { field: "security_group", types: ["security_group"], blocking: true };

export const kinds: Record<string, Kind> = {
  network: { prefix: "vpc", regional: true, references: [], immutable: ["region", "cidr"] },
  subnet: {
    prefix: "subnet",
    regional: true,
    references: [{ field: "network", types: ["network"], blocking: true }],
    immutable: ["region", "network", "cidr", "zone"],
  },
  security_group: {
    prefix: "sg",
    regional: true,
    references: [{ field: "network", types: ["network"], blocking: true }],
    immutable: ["region", "network"],
  },
  nat_gateway: {
    prefix: "nat",
    regional: true,
    references: [{ field: "subnet", types: ["subnet"], blocking: true }],
    immutable: ["region", "subnet"],
  },
  load_balancer: { prefix: "lb", regional: true, references: [subnets, securityGroup], immutable: ["region", "kind", "scheme"] },
  instance: {
    prefix: "i",
    regional: true,
    references: [{ field: "subnet", types: ["subnet"], blocking: true }, securityGroup],
    immutable: ["region", "image", "subnet", "spot"],
  },
  instance_group: {
    prefix: "asg",
    regional: true,
    references: [subnets, securityGroup, { field: "load_balancer", types: ["load_balancer"], blocking: false }],
    immutable: ["region"],
    pool: { sizeField: "size", idsAttribute: "instance_ids" },
  },
  k8s_node_pool: {
    prefix: "np",
    regional: true,
    references: [subnets],
    immutable: ["region", "cluster"],
    pool: { sizeField: "nodes", idsAttribute: "node_ids" },
  },
  volume: {
    prefix: "vol",
    regional: true,
    references: [{ field: "attach_to", types: ["instance"], blocking: false }],
    immutable: ["region", "volume_type", "encrypted"],
  },
  volume_snapshot: {
    prefix: "snap",
    regional: true,
    references: [{ field: "volume", types: ["volume"], blocking: false }],
    immutable: ["region", "volume"],
  },
  bucket: { prefix: "bkt", regional: true, references: [], immutable: ["region", "name"] },
  cdn: { prefix: "cdn", regional: false, references: [], immutable: [] },
  dns_zone: { prefix: "zone", regional: false, references: [], immutable: ["domain"] },
  dns_record: {
    prefix: "rec",
    regional: false,
    references: [{ field: "zone", types: ["dns_zone"], blocking: true }],
    immutable: ["zone", "name", "record_type"],
  },
  managed_database: {
    prefix: "db",
    regional: true,
    references: [subnets, securityGroup],
    immutable: ["region", "engine", "database_name", "username"],
  },
};

const idPattern = /^([a-z]+)-[0-9a-f]{17}$/;

/** A new id like `i-0a1b2c3d4e5f67890`. */
export function newProviderId(type: string): string {
  const kind = kinds[type];
  if (!kind) throw new Error(`no kind for ${type}`);
  return `${kind.prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

/** The type an id belongs to, by its prefix; null when it is not an id of this cloud. */
export function typeOfProviderId(id: string): string | null {
  const prefix = idPattern.exec(id)?.[1];
  if (!prefix) return null;
  return Object.entries(kinds).find(([, k]) => k.prefix === prefix)?.[0] ?? null;
}

export function isProviderIdOf(id: unknown, type: string): boolean {
  return typeof id === "string" && typeOfProviderId(id) === type;
}

/** The ids a resource's properties refer to, property by property. */
export function referencedIds(type: string, properties: Record<string, unknown>): { spec: ReferenceSpec; ids: string[] }[] {
  return (kinds[type]?.references ?? []).flatMap((spec) => {
    const value = properties[spec.field];
    if (value === undefined || value === null) return [];
    const ids = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
    return [{ spec, ids }];
  });
}
