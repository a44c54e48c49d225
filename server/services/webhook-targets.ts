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

/** `::ffff:a9fe:a9fe` and `::ffff:169.254.169.254` are IPv4 addresses in IPv6 clothing. */
function unmapIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join(".");
  }
  return null;
}

export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, "");
  const mapped = unmapIpv4(bare);
  const ip = mapped ?? bare;
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
export function guardedLookup(options: { allowLocal: boolean }) {
  const refused = (address: string) => {
    const kind = classifyAddress(address);
    return kind === "forbidden" || (kind === "loopback" && !options.allowLocal);
  };
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
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
