import { approvesAnywhere, canReadAudit, canReadSlo, isAdmin, type AccessViewer } from "~/server/access/rules";

/**
 * Pages check access with the same rules as the API (server/access/rules.ts, re-exported here
 * for app/); this file adds only what the shell shows for them.
 */
export * from "~/server/access/rules";

export type NavItem = { href: string; label: string };

export function navItemsFor(v: AccessViewer): NavItem[] {
  const items: NavItem[] = [
    { href: "/", label: "Home" },
    { href: "/catalog", label: "Catalog" },
    { href: "/requests", label: "Requests" },
  ];
  if (approvesAnywhere(v)) items.push({ href: "/approvals", label: "Approvals" });
  items.push({ href: "/environments", label: "Environments" });
  items.push({ href: "/costs", label: "Costs" });
  if (canReadSlo(v)) items.push({ href: "/slo", label: "SLOs" });
  if (canReadAudit(v)) items.push({ href: "/audit", label: "Audit" });
  if (isAdmin(v)) items.push({ href: "/admin", label: "Admin" });
  return items;
}
