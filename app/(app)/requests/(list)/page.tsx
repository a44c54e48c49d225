import type { Metadata } from "next";
import Link from "next/link";
import { RequestsBrowser } from "~/components/requests/requests-browser";
import { buttonClass } from "~/components/ui/button";
import { PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canReadAllTeams } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Requests" };

export default async function RequestsPage() {
  const viewer = await requireViewer();
  const overseer = canReadAllTeams(viewer);
  // Admins and auditors see every team's requests, so they filter by every team.
  const teams = overseer
    ? (await (await serverApi()).teams.list()).map((t) => ({ id: t.id, name: t.name }))
    : viewer.teams.map((t) => ({ id: t.id, name: t.name }));
  return (
    <>
      <PageHeader
        title="Requests"
        description="Your requests and your teams' requests, from submit to ready."
        actions={
          <Link href="/catalog" className={buttonClass("primary")}>
            New request
          </Link>
        }
      />
      <RequestsBrowser teams={teams.sort((a, b) => a.name.localeCompare(b.name))} oversees={overseer} />
    </>
  );
}
