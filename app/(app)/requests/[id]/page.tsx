import type { Metadata } from "next";
import { RequestView } from "~/components/requests/request-view";
import { canApproveIn } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";
import { loadRequest } from "../load";

// No loading.tsx above this page, so notFound() (unknown id, another team's request) answers a real 404.

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const detail = await loadRequest((await params).id);
  return { title: `${detail.request.label} ${detail.request.environmentName}` };
}

export default async function RequestPage({ params }: Props) {
  const viewer = await requireViewer();
  const detail = await loadRequest((await params).id);
  const viewerIsApprover = canApproveIn(viewer, detail.team.id);
  return <RequestView detail={detail} viewerIsApprover={viewerIsApprover} />;
}
