import { forbidden, notFound } from "next/navigation";
import type { ReactNode } from "react";
import { canReadTeam, canReadWebhooks } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

/**
 * A team's webhooks: its approvers and admins manage them, auditors read them. The API checks
 * the same (teamWebhookReaderProcedure); this answers before anything streams: 404 for a team
 * the viewer may not read (like an unknown one), 403 for a member who is not an approver.
 */
export default async function TeamWebhooksLayout({ children, params }: { children: ReactNode; params: Promise<{ teamId: string }> }) {
  const { teamId } = await params;
  const viewer = await requireViewer();
  if (!canReadTeam(viewer, teamId)) notFound();
  if (!canReadWebhooks(viewer, teamId)) forbidden();
  return children;
}
