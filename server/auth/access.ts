import type { Viewer } from "~/server/services/users";

/** Page-level access rules; the API enforces the same rules in its procedures. */
export const isAdmin = (v: Pick<Viewer, "globalRole">) => v.globalRole === "admin";
export const oversees = (v: Pick<Viewer, "globalRole">) => v.globalRole === "admin" || v.globalRole === "auditor";
export const approvesAnywhere = (v: Pick<Viewer, "globalRole" | "teams">) =>
  isAdmin(v) || v.teams.some((t) => t.role === "approver");

export type NavItem = { href: string; label: string };

export function navItemsFor(v: Pick<Viewer, "globalRole" | "teams">): NavItem[] {
  const items: NavItem[] = [
    { href: "/catalog", label: "Catalog" },
    { href: "/requests", label: "Requests" },
  ];
  if (approvesAnywhere(v)) items.push({ href: "/approvals", label: "Approvals" });
  items.push({ href: "/environments", label: "Environments" });
  items.push({ href: "/costs", label: "Costs" });
  if (oversees(v)) items.push({ href: "/audit", label: "Audit" });
  if (isAdmin(v)) items.push({ href: "/admin", label: "Admin" });
  return items;
}
