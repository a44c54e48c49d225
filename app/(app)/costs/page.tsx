import type { Metadata } from "next";
import { CostsView } from "~/components/costs/costs-view";
import { EmptyState, PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canReadAllTeams } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";
import { monthOf } from "~/server/schemas/costs";

export const metadata: Metadata = { title: "Costs" };

export default async function CostsPage() {
  const viewer = await requireViewer();
  const overseer = canReadAllTeams(viewer);
  // Admins and auditors pick any team, or all of them; everyone else their own teams.
  const teams = overseer
    ? (await (await serverApi()).teams.list()).map((t) => ({ id: t.id, name: t.name }))
    : viewer.teams.map((t) => ({ id: t.id, name: t.name }));
  const defaultTeam = viewer.teams[0]?.id ?? (overseer ? "all" : null);
  return (
    <>
      <PageHeader
        title="Costs"
        description="What your teams' environments cost this month: where it goes, where it is heading, and the budget. Amounts in USD, months in UTC."
      />
      {defaultTeam ? (
        <CostsView
          teams={teams.sort((a, b) => a.name.localeCompare(b.name))}
          allowAll={overseer}
          defaultTeam={defaultTeam}
          currentMonth={monthOf(new Date())}
        />
      ) : (
        <EmptyState title="You are not in a team yet">Costs belong to teams. Ask an admin to add you to one; its costs show here.</EmptyState>
      )}
    </>
  );
}
