import type { ReactNode } from "react";
import { requirePageAccess } from "~/server/auth/guards";

/**
 * A team's webhooks: its approvers and admins manage them, auditors read them. The API checks
 * the same (webhooks router); this answers 403 before anything streams.
 */
export default async function TeamWebhooksLayout({ children, params }: { children: ReactNode; params: Promise<{ teamId: string }> }) {
  const { teamId } = await params;
  await requirePageAccess(
    (viewer) => viewer.globalRole === "admin" || viewer.globalRole === "auditor" || viewer.teams.some((t) => t.id === teamId && t.role === "approver"),
  );
  return children;
}
