import type { Metadata } from "next";
import { Suspense } from "react";
import { ExecutiveView } from "~/components/slo/executive-view";
import { sloTeamOptions } from "~/components/slo/teams";
import { PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canManageSlo, canReadSlo, oversees } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export const metadata: Metadata = { title: "SLOs: executive" };

export default async function Page() {
  const viewer = await requirePageAccess(canReadSlo);
  const allowAll = oversees(viewer);
  const teams = sloTeamOptions(viewer, allowAll ? (await (await serverApi()).teams.list()).map((t) => ({ id: t.id, name: t.name })) : null);
  return (
    <>
      <PageHeader
        title="SLOs: executive"
        description="Are we meeting our provisioning SLOs, what is left of the error budget, and where does the money go."
      />
      <Suspense>
        <ExecutiveView teams={teams} allowAll={allowAll} canEdit={canManageSlo(viewer)} />
      </Suspense>
    </>
  );
}
