/**
 * Where webhooks may point. A webhook makes the server send requests on a team approver's
 * behalf, so targets are checked twice: when the URL is saved (clear error naming `url`) and
 * again at every delivery, on the address the host name resolves to (so a name that later
 * resolves somewhere forbidden, DNS rebinding included, is refused too).
 *
 * Rules:
 * - http(s) only, no user name or password in the URL (authenticate with the signature).
 * - Never: link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata services live there),
 *   cloud metadata host names, unspecified (0.0.0.0/8, ::), multicast and broadcast addresses.
 * - Loopback (localhost, 127.0.0.0/8, ::1) only when local targets are allowed: demo installs,
 *   NODE_ENV development or test, or PROVISIO_WEBHOOK_ALLOW_LOCAL=true. Then plain http is fine there.
 * - Everything else must use https. Private networks (10/8, 172.16/12, 192.168/16, fc00::/7) are
 *   allowed over https: company-internal receivers are a normal webhook target.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import { envVar } from "~/server/env";

/**
 * Loopback targets (and plain http to them): on for development, tests and demo installs.
 * `source` is for tests; the default is this process's environment (server/env.ts).
 */
export function localTargetsAllowed(source?: Record<string, string | undefined>): boolean {
  const explicit = envVar("PROVISIO_WEBHOOK_ALLOW_LOCAL", source);
  if (explicit !== undefined) return explicit;
  if (envVar("PROVISIO_DEMO", source)) return true;
  // Unset NODE_ENV counts as production here: a worker started by hand must not reach localhost.
  const mode = envVar("NODE_ENV", source);
  return mode === "development" || mode === "test";
}

const forbidden = new BlockList();
forbidden.addSubnet("0.0.0.0", 8, "ipv4"); // "this network"; 0.0.0.0 reaches the local host
forbidden.addSubnet("169.254.0.0", 16, "ipv4"); // link-local: AWS, GCP, Azure, OpenStack metadata
forbidden.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud metadata
forbidden.addSubnet("224.0.0.0", 4, "ipv4"); // multicast
forbidden.addSubnet("240.0.0.0", 4, "ipv4"); // reserved, and 255.255.255.255 broadcast
forbidden.addAddress("::", "ipv6");
forbidden.addSubnet("fe80::", 10, "ipv6"); // link-local
forbidden.addSubnet("ff00::", 8, "ipv6"); // multicast
forbidden.addAddress("fd00:ec2::254", "ipv6"); // AWS metadata over IPv6

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

const forbiddenHostNames = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

type AddressClass = "forbidden" | "loopback" | "other";

/** An IPv6 address as 16 bytes (an IPv4 tail such as `::ffff:1.2.3.4` included), or null when it is not one. */
export function ipv6Bytes(address: string): number[] | null {
  let text = address.replace(/%.*$/, "").toLowerCase();
  if (isIP(text) !== 6) return null;
  // The dotted tail becomes two hex groups, so only one form remains to read.
  text = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((g) => g.toString(16)).join(":"),
  );
  const groupsOf = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const [head = "", tail] = text.split("::");
  const before = groupsOf(head);
  const after = tail === undefined ? [] : groupsOf(tail);
  const groups = tail === undefined ? before : [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
  return groups.length === 8 ? groups.flatMap((g) => [g >> 8, g & 255]) : null;
}

const zeros = (bytes: number[], from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
const ipv4At = (bytes: number[], at: number) => bytes.slice(at, at + 4).join(".");

/**
 * The IPv4 address an IPv6 address stands for, when it embeds one: IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
 * NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`). `tunnelled` marks the ranges whose
 * target cannot be read off the address (local-use NAT64 64:ff9b:1::/48, Teredo 2001::/32):
 * they are refused outright.
 */
export function embeddedIpv4(address: string): string | "tunnelled" | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return ipv4At(b, 12);
  if (zeros(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(b, 10, 12)) return ipv4At(b, 12);
  // ::a.b.c.d, except :: and ::1 themselves (unspecified and loopback, classified as IPv6).
  if (zeros(b, 0, 12) && !zeros(b, 12, 15)) return ipv4At(b, 12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) return zeros(b, 4, 12) ? ipv4At(b, 12) : "tunnelled";
  if (b[0] === 0x20 && b[1] === 0x02) return ipv4At(b, 2);
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) return "tunnelled";
  return null;
}

export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, "");
  const embedded = embeddedIpv4(bare);
  if (embedded === "tunnelled") return "forbidden";
  const ip = embedded ?? bare.replace(/%.*$/, "");
  const family = isIP(ip);
  if (family === 0) return "other";
  const type = family === 4 ? "ipv4" : "ipv6";
  if (forbidden.check(ip, type)) return "forbidden";
  if (loopback.check(ip, type)) return "loopback";
  return "other";
}

function classifyHost(hostname: string): AddressClass {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (forbiddenHostNames.has(host)) return "forbidden";
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  return classifyAddress(host);
}

/**
 * Checks a webhook URL against the rules above. Returns null when it may be used, else the
 * reason, worded to follow the field name ("url: …").
 */
export function checkWebhookUrl(raw: string, options: { allowLocal: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an http(s):// URL, e.g. https://hooks.example.com/provisio";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http(s):// URL";
  if (url.username || url.password) return "must not contain a user name or password: receivers authenticate Provisio by the signature";
  const target = classifyHost(url.hostname);
  if (target === "forbidden") return "points at a link-local, metadata or reserved address, which webhooks may not reach";
  if (target === "loopback") {
    if (!options.allowLocal) return "points at this server (localhost), which webhooks may not reach on this install";
    return null;
  }
  if (url.protocol !== "https:") return "must use https:// (plain http is only allowed for localhost in development and demo installs)";
  return null;
}

export class RefusedTargetError extends Error {
  readonly code = "EPROVISIO_REFUSED_TARGET";
  constructor(host: string, address: string) {
    super(`refused: ${host} resolves to ${address}, an address webhooks may not reach`);
    this.name = "RefusedTargetError";
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that resolves as usual and refuses forbidden addresses (and
 * loopback unless allowed), so the connection only ever goes to an address that passed.
 */
export function guardedLookup(options: { allowLocal: boolean; resolve?: typeof dnsLookup }) {
  const resolve = options.resolve ?? dnsLookup;
  const refused = (address: string) => {
    const kind = classifyAddress(address);
    return kind === "forbidden" || (kind === "loopback" && !options.allowLocal);
  };
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => refused(a.address));
      if (bad) return callback(new RefusedTargetError(hostname, bad.address), "");
      if (lookupOptions.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
      callback(null, first.address, first.family);
    });
  };
}
