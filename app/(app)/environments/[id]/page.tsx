import type { Metadata } from "next";
import { EnvironmentView } from "~/components/environments/environment-view";
import { isReadOnly } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";
import { loadEnvironment } from "../load";

// No loading.tsx above this page, so notFound() (unknown id, another team's environment) answers a real 404.

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const detail = await loadEnvironment((await params).id);
  return { title: `${detail.environment.name} (${detail.environment.status})` };
}

export default async function EnvironmentPage({ params }: Props) {
  const viewer = await requireViewer();
  const detail = await loadEnvironment((await params).id);
  return <EnvironmentView detail={detail} viewerId={viewer.id} readOnly={isReadOnly(viewer)} />;
}
