import type { Metadata } from "next";
import { EmptyState, PageHeader } from "~/components/ui/page";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  await requireViewer();
  return (
    <>
      <PageHeader title="Environments" description="What your requests created: status, resources, expiry and cost." />
      <EmptyState title="No environments yet">Approved requests become environments here once the worker provisions them.</EmptyState>
    </>
  );
}
