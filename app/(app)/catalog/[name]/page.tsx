import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { TemplatePage } from "~/components/catalog/template-page";
import { FleetLink } from "~/components/updates/fleet-view";
import { serverApi } from "~/server/api/caller";
import { approvesAnywhere, oversees } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

// No loading.tsx above this page (the list's lives in (browse)/), so notFound() answers a real 404.

/** The template, or null when there is none by that name (or the name is not a template name). */
const loadTemplate = cache(async (name: string) => {
  const api = await serverApi();
  return api.catalog.get({ name }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) return null;
    throw error;
  });
});

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const detail = await loadTemplate((await params).name);
  return { title: detail?.latest ? `${detail.latest.title} · Catalog` : "Template not found" };
}

export default async function CatalogTemplatePage({ params }: Props) {
  const detail = await loadTemplate((await params).name);
  if (!detail?.latest) notFound();
  const viewer = await requireViewer();
  return (
    <>
      <TemplatePage detail={detail} latest={detail.latest} />
      {(approvesAnywhere(viewer) || oversees(viewer)) && <FleetLink name={detail.latest.name} />}
    </>
  );
}
