import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppShell } from "~/components/shell/app-shell";
import { navItemsFor } from "~/server/auth/access";
import { getViewer } from "~/server/auth/session";
import type { Viewer } from "~/server/services/users";

// Every page depends on who is signed in: never prerender.
export const dynamic = "force-dynamic";

function roleLabel(viewer: Viewer): string {
  if (viewer.globalRole === "admin") return "Admin";
  if (viewer.globalRole === "auditor") return "Auditor (read only)";
  if (viewer.teams.some((t) => t.role === "approver")) return "Approver";
  return viewer.teams.length > 0 ? "Developer" : "No team yet";
}

export default async function AppLayout({ children }: { children: ReactNode }) {
  const viewer = await getViewer();
  if (!viewer) redirect("/signin");
  return (
    <AppShell nav={navItemsFor(viewer)} user={{ name: viewer.name, email: viewer.email, roleLabel: roleLabel(viewer) }}>
      {children}
    </AppShell>
  );
}
