/**
 * What the simulated cloud reports about a resource after creating it: ids, addresses, DNS
 * names, connection details. Values that must stay stable (an instance's private IP, a
 * database's password) are kept from the previous attributes on update.
 */
import { createHash, randomBytes } from "node:crypto";

type Row = { id: string; type: string; properties: Record<string, unknown>; attributes: Record<string, unknown> };

export type AttributeContext = {
  id: string;
  type: string;
  account: string;
  region: string | null;
  properties: Record<string, unknown>;
  /** The resources this one refers to, by id. */
  targets: ReadonlyMap<string, Row>;
  previous?: Record<string, unknown>;
};

const domain = "sim.provisio.internal";

export function seedOf(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

export function accountNumber(account: string): string {
  return String(seedOf(`account:${account}`) % 1_000_000_000_000).padStart(12, "0");
}

export function parseCidr(cidr: string): { start: number; end: number; bits: number } | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return null;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const start = address - (address % size);
  return { start, end: start + size - 1, bits };
}

const ipOf = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

/** A host address inside the subnet, derived from the resource id (AWS keeps the first 4 and the last one). */
export function hostIn(cidr: string, seed: string): string | null {
  const range = parseCidr(cidr);
  if (!range) return null;
  const usable = range.end - range.start + 1 - 5;
  return ipOf(range.start + 4 + (usable > 0 ? seedOf(seed) % usable : 0));
}

/** Public addresses come from the documentation ranges (RFC 5737), never routable. */
const publicIp = (prefix: "198.51.100" | "203.0.113", seed: string) => `${prefix}.${1 + (seedOf(seed) % 254)}`;

export const zoneLetter = (zone: unknown) => (typeof zone === "number" ? ("abcdef"[zone] ?? "a") : typeof zone === "string" ? zone : "a");

function firstId(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return null;
}

/** An instance's addresses from its subnet (standalone instances and pool members alike). */
export function instanceAttributes(
  id: string,
  region: string,
  subnet: Row | undefined,
  wantsPublicIp: boolean,
  previous: Record<string, unknown> = {},
) {
  const cidr = typeof subnet?.properties.cidr === "string" ? subnet.properties.cidr : "10.0.0.0/16";
  const privateIp = (typeof previous.private_ip === "string" ? previous.private_ip : null) ?? hostIn(cidr, id) ?? "10.0.0.4";
  return {
    id,
    private_ip: privateIp,
    public_ip: wantsPublicIp ? ((typeof previous.public_ip === "string" ? previous.public_ip : null) ?? publicIp("203.0.113", id)) : null,
    hostname: `ip-${privateIp.replaceAll(".", "-")}.${region}.compute.internal`,
  };
}

export function generateAttributes(ctx: AttributeContext): Record<string, unknown> {
  const { id, properties: p, region, previous = {} } = ctx;
  const short = id.slice(id.indexOf("-") + 1);
  const target = (field: string) => {
    const ref = firstId(p[field]);
    return ref ? ctx.targets.get(ref) : undefined;
  };
  switch (ctx.type) {
    case "network":
      return { id, cidr: p.cidr };
    case "subnet":
      return { id, cidr: p.cidr, zone: `${region}${zoneLetter(p.zone)}` };
    case "nat_gateway":
      return { id, public_ip: previous.public_ip ?? publicIp("198.51.100", id) };
    case "load_balancer": {
      const kind = p.kind === "network" ? "net" : "app";
      return {
        id,
        dns_name: `${kind}-${short.slice(0, 12)}.${region}.elb.${domain}`,
        arn: `arn:sim:elasticloadbalancing:${region}:${accountNumber(ctx.account)}:loadbalancer/${kind}/${id}`,
      };
    }
    case "instance":
      return instanceAttributes(id, region ?? "", target("subnet"), p.public_ip === true, previous);
    case "instance_group":
      return { id };
    case "k8s_node_pool":
      return { id, cluster: p.cluster };
    case "volume":
      return { id, device: p.attach_to ? "/dev/sdf" : null, state: p.attach_to ? "in-use" : "available" };
    case "volume_snapshot": {
      const volume = target("volume");
      return { id, volume_id: p.volume, size_gb: volume?.properties.size_gb ?? null };
    }
    case "bucket":
      return {
        id,
        name: p.name,
        endpoint: `https://${String(p.name)}.s3.${region}.${domain}`,
        website_endpoint: `${String(p.name)}.s3-website.${region}.${domain}`,
      };
    case "cdn":
      return { id, domain_name: `d${short.slice(0, 13)}.cdn.${domain}` };
    case "dns_zone":
      return { id, name_servers: [1, 2, 3, 4].map((n) => `ns-${(seedOf(`${id}:${n}`) % 2000) + 1}.dns.${domain}`) };
    case "dns_record": {
      const zone = target("zone");
      const zoneDomain = String(zone?.properties.domain ?? "");
      return { id, fqdn: p.name === "@" ? zoneDomain : `${String(p.name)}.${zoneDomain}` };
    }
    case "managed_database": {
      const port = p.engine === "mysql" ? 3306 : 5432;
      const endpoint = `${id}.${short.slice(0, 10)}.${region}.rds.${domain}`;
      const password = typeof previous.password === "string" ? previous.password : randomBytes(18).toString("base64url");
      const scheme = p.engine === "mysql" ? "mysql" : "postgres";
      return {
        id,
        endpoint,
        port,
        username: p.username,
        database_name: p.database_name,
        password,
        url: `${scheme}://${String(p.username)}:${password}@${endpoint}:${port}/${String(p.database_name)}`,
      };
    }
    default:
      return { id };
  }
}
