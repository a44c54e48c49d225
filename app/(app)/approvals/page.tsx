import type { Metadata } from "next";
import { EmptyState, PageHeader } from "~/components/ui/page";

export const metadata: Metadata = { title: "Approvals" };

export default function ApprovalsPage() {
  return (
    <>
      <PageHeader title="Approvals" description="Requests of your teams waiting for your decision." />
      <EmptyState title="Nothing waits for you">Requests that need your approval appear here.</EmptyState>
    </>
  );
}
