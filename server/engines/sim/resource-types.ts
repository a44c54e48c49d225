/**
 * The IaaS simulator's resource types: what a sim template may declare, the properties each
 * takes, what other resources may reference, and what each costs (price-list.json).
 */
import { z } from "zod";
import { cidr, dnsLabel, num, orRef, port, str } from "../properties";
import type { CostLine, ResourceTypeDefinition, ResourceUsage } from "../types";
import { instanceSpecs } from "./instance-types";
import priceList from "./price-list.json";

const instanceTypes = Object.keys(priceList.skus)
  .filter((sku) => sku.startsWith("instance."))
  .map((sku) => sku.slice("instance.".length));
const regions = Object.keys(priceList.regions);

const region = z.enum(regions as [string, ...string[]], { error: `must be one of the sim regions: ${regions.join(", ")}` });
const instanceType = z.enum(instanceTypes as [string, ...string[]], {
  error: `must be an instance type of the sim price list (${instanceTypes.slice(0, 4).join(", ")}, …)`,
});
const volumeType = z.enum(["gp3", "io2", "st1"], { error: "must be gp3, io2 or st1" });
const diskGb = z.number().int().min(8, "at least 8 GB").max(16_384, "at most 16384 GB");
const image = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, "must be an image name like debian-12 or ubuntu-24.04");
const ref = orRef(z.string());
const databaseClasses = [
  ...new Set(
    Object.keys(priceList.skus)
      .filter((sku) => sku.startsWith("database.") && sku.split(".").length > 3)
      .map((sku) => sku.split(".").slice(2).join(".")),
  ),
];
const databaseClass = z.enum(databaseClasses as [string, ...string[]], {
  error: `must be a database class of the sim price list (${databaseClasses.join(", ")})`,
});

function instanceCost(properties: Record<string, unknown>, count: number): CostLine[] {
  const type = str(properties.instance_type);
  const lines: CostLine[] = [];
  if (type && count > 0) {
    lines.push({ sku: `instance.${type}`, quantity: count, ...(properties.spot === true ? { modifier: "spot" } : {}) });
  }
  const disk = num(properties.disk_gb);
  if (disk > 0 && count > 0) lines.push({ sku: `volume.${str(properties.disk_type) ?? "gp3"}`, quantity: disk * count });
  if (properties.public_ip === true && count > 0) lines.push({ sku: "public_ipv4", quantity: count });
  return lines;
}

const free = () => [];

function instanceUsage(properties: Record<string, unknown>, count: number): ResourceUsage {
  const spec = instanceSpecs[str(properties.instance_type) ?? ""];
  return { vcpus: (spec?.vcpus ?? 0) * count, gpus: (spec?.gpus ?? 0) * count, instances: count };
}

const definitions: ResourceTypeDefinition[] = [
  {
    type: "network",
    immutable: ["region", "cidr"],
    title: "Virtual network",
    properties: z.strictObject({ region, cidr }),
    attributes: ["id", "cidr"],
    describeSize: (p) => str(p.cidr),
    cost: free,
  },
  {
    type: "subnet",
    immutable: ["region", "network", "cidr", "zone"],
    title: "Subnet",
    properties: z.strictObject({
      region,
      network: ref,
      cidr: orRef(cidr),
      /** A zone letter, or its index (0 = a), so "one subnet per zone" can use ${index}. */
      zone: z
        .union([z.string().regex(/^[a-f]$/, "must be a zone letter a-f"), z.number().int().min(0).max(5)], {
          error: "must be a zone letter a-f or its index 0-5",
        })
        .optional(),
      public: z.boolean().default(false),
    }),
    attributes: ["id", "cidr", "zone"],
    describeSize: (p) => str(p.cidr),
    cost: free,
  },
  {
    type: "security_group",
    immutable: ["region", "network"],
    title: "Security group",
    properties: z.strictObject({
      region,
      network: ref,
      ingress: z
        .array(z.strictObject({ port, protocol: z.enum(["tcp", "udp"]).default("tcp"), from: orRef(cidr) }))
        .max(50)
        .default([]),
    }),
    attributes: ["id"],
    cost: free,
  },
  {
    type: "nat_gateway",
    immutable: ["region", "subnet"],
    title: "NAT gateway",
    properties: z.strictObject({ region, subnet: ref }),
    attributes: ["id", "public_ip"],
    cost: () => [{ sku: "nat_gateway", quantity: 1 }],
  },
  {
    type: "load_balancer",
    immutable: ["region", "kind", "scheme"],
    title: "Load balancer",
    properties: z.strictObject({
      region,
      kind: z.enum(["application", "network"], { error: "must be application or network" }).default("application"),
      scheme: z.enum(["internet-facing", "internal"], { error: "must be internet-facing or internal" }),
      subnets: z.array(ref).min(1).max(6).or(ref),
      security_group: ref.optional(),
      listeners: z
        .array(z.strictObject({ port, protocol: z.enum(["HTTP", "HTTPS", "TCP", "TLS"]), target_port: port }))
        .min(1)
        .max(10),
      health_check_path: z
        .string()
        .regex(/^\/[\w./-]*$/, "must be a path starting with /")
        .default("/"),
    }),
    attributes: ["id", "dns_name", "arn"],
    describeSize: (p) => `${str(p.kind) ?? "application"}, ${str(p.scheme)}`,
    cost: (p) => [{ sku: `load_balancer.${str(p.kind) ?? "application"}`, quantity: 1 }],
  },
  {
    type: "instance",
    immutable: ["region", "image", "subnet", "spot"],
    title: "Virtual machine",
    properties: z.strictObject({
      region,
      instance_type: instanceType,
      image,
      subnet: ref,
      security_group: ref.optional(),
      disk_gb: diskGb,
      disk_type: volumeType.default("gp3"),
      public_ip: z.boolean().default(false),
      spot: z.boolean().default(false),
      gpu_driver: z.enum(["none", "nvidia-535", "nvidia-550"]).default("none"),
      ssh_cidr: orRef(cidr).optional(),
    }),
    attributes: ["id", "private_ip", "public_ip", "hostname"],
    describeSize: (p) => `${str(p.instance_type)}, ${num(p.disk_gb)} GB ${str(p.disk_type) ?? "gp3"}`,
    cost: (p) => instanceCost(p, 1),
    usage: (p) => instanceUsage(p, 1),
  },
  {
    type: "instance_group",
    immutable: ["region", "image"],
    title: "Instance group",
    properties: z
      .strictObject({
        region,
        instance_type: instanceType,
        image,
        subnets: z.array(ref).min(1).max(6).or(ref),
        security_group: ref.optional(),
        size: z.number().int().min(0, "cannot be negative").max(500, "at most 500 instances"),
        max_size: z.number().int().min(0).max(1000).optional(),
        disk_gb: diskGb,
        disk_type: volumeType.default("gp3"),
        spot: z.boolean().default(false),
        load_balancer: ref.optional(),
        labels: z.record(z.string().regex(/^[a-z0-9./-]{1,63}$/), z.string().max(63)).optional(),
      })
      .transform((p) => (p.max_size !== undefined && p.max_size < p.size ? { ...p, max_size: p.size } : p)), // autoscaling never caps below the size asked for
    attributes: ["id", "instance_ids"],
    describeSize: (p) => `${num(p.size)} × ${str(p.instance_type)}${p.spot === true ? " (spot)" : ""}`,
    cost: (p) => instanceCost(p, num(p.size)),
    usage: (p) => instanceUsage(p, num(p.size)),
  },
  {
    type: "k8s_node_pool",
    immutable: ["region", "cluster"],
    title: "Kubernetes node pool",
    properties: z
      .strictObject({
        region,
        cluster: dnsLabel,
        kubernetes_version: z.string().regex(/^1\.\d{2}$/, "must be a minor version like 1.31"),
        instance_type: instanceType,
        subnets: z.array(ref).min(1).max(6).or(ref),
        nodes: z.number().int().min(1, "at least 1 node").max(200, "at most 200 nodes"),
        max_nodes: z.number().int().min(1).max(500).optional(),
        disk_gb: diskGb,
        spot: z.boolean().default(false),
        taints: z
          .array(z.string().regex(/^[a-z0-9./-]+=[a-z0-9.-]*:(NoSchedule|PreferNoSchedule|NoExecute)$/, "must look like key=value:NoSchedule"))
          .max(10)
          .default([]),
        labels: z.record(z.string().regex(/^[a-z0-9./-]{1,63}$/), z.string().max(63)).optional(),
      })
      .transform((p) => (p.max_nodes !== undefined && p.max_nodes < p.nodes ? { ...p, max_nodes: p.nodes } : p)), // autoscaling never caps below the nodes asked for
    attributes: ["id", "node_ids"],
    describeSize: (p) => `${num(p.nodes)} × ${str(p.instance_type)}${p.spot === true ? " (spot)" : ""}`,
    cost: (p) => instanceCost(p, num(p.nodes)),
    usage: (p) => instanceUsage(p, num(p.nodes)),
  },
  {
    type: "volume",
    immutable: ["region", "volume_type", "encrypted"],
    stateful: true,
    title: "Block volume",
    properties: z.strictObject({
      region,
      size_gb: diskGb,
      volume_type: volumeType.default("gp3"),
      attach_to: ref.optional(),
      encrypted: z.boolean().default(true),
    }),
    attributes: ["id", "device"],
    describeSize: (p) => `${num(p.size_gb)} GB ${str(p.volume_type) ?? "gp3"}`,
    cost: (p) => [{ sku: `volume.${str(p.volume_type) ?? "gp3"}`, quantity: num(p.size_gb) }],
  },
  {
    type: "volume_snapshot",
    immutable: ["region", "volume"],
    stateful: true,
    title: "Volume snapshot",
    properties: z.strictObject({
      region,
      volume: ref,
      description: z.string().max(255, "at most 255 characters").default(""),
      /** Snapshots are billed on the data they hold, unknown before; the plan prices this figure. */
      expected_size_gb: z.number().int().min(1, "at least 1 GB").max(16_384, "at most 16384 GB"),
    }),
    attributes: ["id", "volume_id", "size_gb"],
    describeSize: (p) => `${num(p.expected_size_gb)} GB expected`,
    cost: (p) => [{ sku: "snapshot.standard", quantity: num(p.expected_size_gb) }],
  },
  {
    type: "managed_database",
    immutable: ["region", "engine", "engine_version", "database_name", "username"],
    stateful: true,
    title: "Managed database",
    properties: z.strictObject({
      region,
      engine: z.enum(["postgres", "mysql"], { error: "must be postgres or mysql" }),
      engine_version: z.string().regex(/^\d{1,2}(\.\d{1,2})?$/, "must be a version like 16 or 8.0"),
      instance_class: databaseClass,
      storage_gb: z.number().int().min(20, "at least 20 GB").max(65_536, "at most 65536 GB"),
      multi_az: z.boolean().default(false),
      subnets: z.array(ref).min(1).max(6).or(ref),
      security_group: ref.optional(),
      database_name: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/, "lowercase letters, digits and '_', starting with a letter")
        .default("app"),
      username: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,15}$/, "1-16 lowercase letters, digits and '_', starting with a letter")
        .default("app"),
      backup_retention_days: z.number().int().min(0).max(35, "at most 35 days").default(7),
    }),
    attributes: ["id", "endpoint", "port", "username", "database_name", "password", "url"],
    sensitiveAttributes: ["password", "url"],
    describeSize: (p) => `${str(p.instance_class)}, ${num(p.storage_gb)} GB${p.multi_az === true ? ", multi-AZ" : ""}`,
    cost: (p) => {
      const multiAz = p.multi_az === true ? { modifier: "multi_az" } : {};
      const lines: CostLine[] = [];
      if (str(p.engine) && str(p.instance_class)) lines.push({ sku: `database.${str(p.engine)}.${str(p.instance_class)}`, quantity: 1, ...multiAz });
      if (num(p.storage_gb) > 0) lines.push({ sku: "database.storage.gp3", quantity: num(p.storage_gb), ...multiAz });
      return lines;
    },
  },
  {
    type: "bucket",
    immutable: ["region", "name"],
    stateful: true,
    title: "Object storage bucket",
    properties: z.strictObject({
      region,
      name: orRef(z.string().regex(/^[a-z0-9][a-z0-9.-]{2,62}$/, "3-63 lowercase letters, digits, '.' or '-'")),
      versioning: z.boolean().default(false),
      public_read: z.boolean().default(false),
      expected_storage_gb: z.number().int().min(0).max(1_000_000),
      website: z.boolean().default(false),
    }),
    attributes: ["id", "name", "endpoint", "website_endpoint"],
    describeSize: (p) => `${num(p.expected_storage_gb)} GB expected`,
    cost: (p) => [{ sku: "bucket.standard", quantity: num(p.expected_storage_gb) }],
  },
  {
    type: "cdn",
    title: "CDN distribution",
    properties: z.strictObject({
      origin: ref,
      aliases: z
        .array(orRef(z.string().regex(/^[a-z0-9.-]+$/, "must be a host name")))
        .max(10)
        .default([]),
      expected_transfer_gb: z.number().int().min(0).max(10_000),
      https_only: z.boolean().default(true),
      default_ttl_seconds: z.number().int().min(0).max(31_536_000).default(3600),
    }),
    attributes: ["id", "domain_name"],
    describeSize: (p) => `${num(p.expected_transfer_gb)} GB/month expected`,
    cost: (p) => [{ sku: "cdn.transfer", quantity: num(p.expected_transfer_gb) }],
  },
  {
    type: "dns_zone",
    immutable: ["domain"],
    title: "DNS zone",
    properties: z.strictObject({ domain: orRef(z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a domain like dev.example.com")) }),
    attributes: ["id", "name_servers"],
    cost: () => [{ sku: "dns.zone", quantity: 1 }],
  },
  {
    type: "dns_record",
    immutable: ["zone", "name", "record_type"],
    title: "DNS record",
    properties: z.strictObject({
      zone: ref,
      name: orRef(z.string().regex(/^[a-z0-9*.-]+$/, "must be a record name")),
      record_type: z.enum(["A", "AAAA", "CNAME", "TXT"]),
      value: ref,
      ttl: z.number().int().min(30).max(86_400).default(300),
    }),
    attributes: ["id", "fqdn"],
    cost: free,
  },
];

export const simResourceTypes: Record<string, ResourceTypeDefinition> = Object.fromEntries(definitions.map((d) => [d.type, d]));
export { priceList as simPriceList };
