import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { DraftEditor } from "~/components/curation/draft-editor";
import { loadTemplateForAdmin } from "../../load";

export const metadata: Metadata = { title: "Draft · Templates · Admin" };

export default async function DraftPage({
  params,
  searchParams,
}: {
  params: Promise<{ name: string; versionId: string }>;
  searchParams: Promise<{ created?: string }>;
}) {
  const [{ name, versionId }, { created }] = await Promise.all([params, searchParams]);
  const detail = await loadTemplateForAdmin(name);
  const draft = detail.versions.find((v) => v.id === versionId);
  if (!draft) notFound();
  // Published meanwhile (or an old link): published versions are read on the template's page.
  if (draft.status !== "draft") redirect(`/admin/templates/${name}`);
  const published = detail.versions.find((v) => v.status === "published");
  return (
    <DraftEditor
      // A reload after someone else saved brings a new lock version: start over from their text.
      key={`${draft.id}:${draft.lockVersion}`}
      name={detail.template.name}
      versionId={draft.id}
      version={draft.version}
      yaml={draft.yaml}
      lockVersion={draft.lockVersion}
      publishedVersion={published?.version ?? null}
      createdBy={draft.createdBy}
      takenVersions={detail.versions.filter((v) => v.id !== draft.id).map((v) => v.version)}
      justCreated={created === "1"}
    />
  );
}
