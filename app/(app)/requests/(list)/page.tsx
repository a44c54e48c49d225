import type { Metadata } from "next";
import { EmptyState, PageHeader } from "~/components/ui/page";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Requests" };

export default async function RequestsPage() {
  const viewer = await requireViewer();
  return (
    <>
      <PageHeader title="Requests" description="Your requests and your teams' requests, from draft to ready." />
      <EmptyState title="No requests yet">
        {viewer.teams.length > 0
          ? "Pick a template in the catalog to request an environment for one of your teams."
          : "You are not in a team yet. Ask an admin to add you to one before you request environments."}
      </EmptyState>
    </>
  );
}
