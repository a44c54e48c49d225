import type { Metadata } from "next";
import { forbidden, notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { FleetRollouts } from "~/components/fleet/rollout/fleet-rollouts";
import { FleetView } from "~/components/updates/fleet-view";
import { serverApi } from "~/server/api/caller";
import { canReadAudit, isAdmin } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Fleet" };

export default async function FleetPage({ params }: { params: Promise<{ name: string }> }) {
  const viewer = await requireViewer();
  const { name } = await params;
  const api = await serverApi();
  const fleet = await api.fleet.get({ templateName: name }).catch((error: unknown) => {
    if (error instanceof TRPCError && error.code === "FORBIDDEN") forbidden();
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  return (
    <>
      <FleetView fleet={fleet} />
      {canReadAudit(viewer) && (
        <div className="mt-6">
          <FleetRollouts templateName={fleet.template.name} canManage={isAdmin(viewer)} />
        </div>
      )}
    </>
  );
}
