import type { Metadata } from "next";
import { Suspense } from "react";
import { DebugView } from "~/components/slo/debug-view";
import { sloTeamOptions } from "~/components/slo/teams";
import { PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canReadSlo, oversees } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";
import { engineNames } from "~/server/engines/types";

export const metadata: Metadata = { title: "SLOs: debug" };

export default async function Page() {
  const viewer = await requirePageAccess(canReadSlo);
  const allowAll = oversees(viewer);
  const teams = sloTeamOptions(viewer, allowAll ? (await (await serverApi()).teams.list()).map((t) => ({ id: t.id, name: t.name })) : null);
  return (
    <>
      <PageHeader
        title="SLOs: debug"
        description="One template, engine or tier over a range: the slowest and failed runs with their logs, causes, retries and rate-limit answers."
      />
      <Suspense>
        <DebugView teams={teams} allowAll={allowAll} engines={[...engineNames]} />
      </Suspense>
    </>
  );
}
