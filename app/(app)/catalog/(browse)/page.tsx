import type { Metadata } from "next";
import { CatalogBrowser } from "~/components/catalog/catalog-browser";
import { toCatalogCard } from "~/components/catalog/catalog-query";
import { PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canCurateCatalog } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Catalog" };

export default async function CatalogPage() {
  const viewer = await requireViewer();
  const api = await serverApi();
  const entries = await api.catalog.list();
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Approved environment templates you can request for your teams, with what they cost and who approves them."
      />
      <CatalogBrowser
        cards={entries.map(toCatalogCard)}
        emptyHint={
          canCurateCatalog(viewer)
            ? "Add template folders under templates/ (they are loaded when Provisio starts) or draft one in Admin; published templates appear here."
            : "Templates appear here once the platform team publishes them."
        }
      />
    </>
  );
}
