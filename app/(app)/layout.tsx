import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { LiveUpdates } from "~/components/live/live-provider";
import { AppShell } from "~/components/shell/app-shell";
import { navItemsFor, roleLabel } from "~/server/auth/access";
import { getViewer } from "~/server/auth/session";

// Every page depends on who is signed in: never prerender.
export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const viewer = await getViewer();
  if (!viewer) redirect("/signin");
  return (
    <AppShell nav={navItemsFor(viewer)} user={{ name: viewer.name, email: viewer.email, roleLabel: roleLabel(viewer) }}>
      <LiveUpdates />
      {children}
    </AppShell>
  );
}
