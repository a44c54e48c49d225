import type { Metadata } from "next";
import { forbidden, notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { FleetView } from "~/components/updates/fleet-view";
import { serverApi } from "~/server/api/caller";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Fleet" };

export default async function FleetPage({ params }: { params: Promise<{ name: string }> }) {
  await requireViewer();
  const { name } = await params;
  const api = await serverApi();
  const fleet = await api.fleet.get({ templateName: name }).catch((error: unknown) => {
    if (error instanceof TRPCError && error.code === "FORBIDDEN") forbidden();
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  return <FleetView fleet={fleet} />;
}
