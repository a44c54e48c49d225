import type { Metadata } from "next";
import { forbidden, notFound } from "next/navigation";
import { TokenManager } from "~/components/api-tokens/token-manager";
import { PageHeader } from "~/components/ui/page";
import { canManageServiceTokens, canReadTeam } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Service tokens" };

/** A team's service tokens: its approvers and admins (404 for a team the viewer may not read). */
export default async function TeamTokensPage({ params }: { params: Promise<{ teamId: string }> }) {
  const { teamId } = await params;
  const viewer = await requireViewer();
  if (!canReadTeam(viewer, teamId)) notFound();
  if (!canManageServiceTokens(viewer, teamId)) forbidden();
  const team = viewer.teams.find((t) => t.id === teamId);
  const teamName = team?.name ?? "this team";
  return (
    <>
      <PageHeader title={`Service tokens · ${teamName}`} description="Robot identities for pipelines: a role in this team, never approving." />
      <TokenManager mode={{ kind: "service", teamId, teamName }} />
    </>
  );
}
