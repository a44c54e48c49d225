import type { Metadata } from "next";
import { EmptyState, PageHeader } from "~/components/ui/page";
import { approvesAnywhere } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Approvals" };

export default async function ApprovalsPage() {
  await requirePageAccess(approvesAnywhere);
  return (
    <>
      <PageHeader title="Approvals" description="Requests of your teams waiting for your decision." />
      <EmptyState title="Nothing waits for you">Requests that need your approval appear here.</EmptyState>
    </>
  );
}
