import type { Metadata } from "next";
import { Suspense } from "react";
import { RunsView } from "~/components/slo/runs-view";
import { sloTeamOptions } from "~/components/slo/teams";
import { PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canReadSlo, oversees } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export const metadata: Metadata = { title: "SLOs: runs" };

export default async function Page() {
  const viewer = await requirePageAccess(canReadSlo);
  const allowAll = oversees(viewer);
  const teams = sloTeamOptions(viewer, allowAll ? (await (await serverApi()).teams.list()).map((t) => ({ id: t.id, name: t.name })) : null);
  return (
    <>
      <PageHeader title="SLOs: runs" description="The runs behind a figure on the SLO dashboards." />
      <Suspense>
        <RunsView teams={teams} allowAll={allowAll} />
      </Suspense>
    </>
  );
}
