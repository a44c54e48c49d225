import type { Metadata } from "next";
import { ApprovalInbox } from "~/components/approvals/inbox";
import { PageHeader } from "~/components/ui/page";

export const metadata: Metadata = { title: "Approvals" };

export default function ApprovalsPage() {
  return (
    <>
      <PageHeader title="Approvals" description="Requests of your teams waiting for your decision, with their plan, cost and the policy's reasons." />
      <ApprovalInbox />
    </>
  );
}
