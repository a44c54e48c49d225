import type { Metadata } from "next";
import { EmptyState, PageHeader } from "~/components/ui/page";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Catalog" };

export default async function CatalogPage() {
  const viewer = await requireViewer();
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Approved environment templates you can request for your teams, with their cost and approval rules."
      />
      <EmptyState title="No templates are published yet">
        {viewer.globalRole === "admin"
          ? "Add template folders under templates/ or draft one in Admin; published templates appear here."
          : "Templates appear here once the platform team publishes them."}
      </EmptyState>
    </>
  );
}
