import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TeamWebhooks } from "~/components/webhooks/team-webhooks";
import { PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canManageWebhooks } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Webhooks" };

export default async function TeamWebhooksPage({ params }: { params: Promise<{ teamId: string }> }) {
  const { teamId } = await params;
  const viewer = await requireViewer(); // access checked in layout.tsx
  const api = await serverApi();
  const team = await api.teams.get({ teamId }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  const canManage = canManageWebhooks(viewer, team.id);
  return (
    <>
      <PageHeader
        title={`Webhooks · ${team.name}`}
        description={
          canManage
            ? "Send this team's request events to other systems as signed CloudEvents. Deliveries are retried when the receiver fails; the log shows every attempt."
            : "The team's outgoing webhooks and their deliveries (read only)."
        }
      />
      <TeamWebhooks teamId={team.id} teamName={team.name} canManage={canManage} />
    </>
  );
}
