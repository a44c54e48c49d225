import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { formTemplate } from "~/components/requests/form-template";
import { RequestForm } from "~/components/requests/request-form";
import { PageHeader } from "~/components/ui/page";
import { parseTemplateYaml } from "~/server/templates/parse";
import { loadCatalogTemplate, loadRequest } from "../../load";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const detail = await loadRequest((await params).id);
  return { title: `Edit ${detail.request.label}` };
}

export default async function EditRequestPage({ params }: Props) {
  const detail = await loadRequest((await params).id);
  const { request } = detail;
  // Only the requester edits, and only while it waits for approval: anyone else reads the request.
  // A change of a live environment is edited in its change form, on the request page ("Edit change").
  if (!detail.capabilities.canEdit || request.kind === "update") redirect(`/requests/${request.id}`);
  // The form follows the request's own template version, which need not be the newest.
  const catalog = await loadCatalogTemplate(detail.template.name);
  const latest = catalog?.latest;
  const document =
    latest && latest.version === detail.template.version
      ? latest.document
      : (() => {
          const version = catalog?.versions.find((v) => v.version === detail.template.version);
          const parsed = version ? parseTemplateYaml(version.yaml) : null;
          return parsed?.ok ? parsed.document : null;
        })();
  if (!document) notFound();
  return (
    <>
      <Link href={`/requests/${request.id}`} className="text-sm text-brand-700 hover:underline">
        ← {request.label}
      </Link>
      <div className="mt-3">
        <PageHeader
          title={`Edit ${request.label}`}
          description={`${detail.template.title} ${detail.template.name}@${detail.template.version} for ${detail.team.name}.`}
        />
      </div>
      <RequestForm
        mode="edit"
        template={formTemplate(detail.template.name, document, detail.template.engineCapabilities)}
        request={{
          id: request.id,
          label: request.label,
          version: request.version,
          team: { id: detail.team.id, name: detail.team.name },
          tier: request.tier,
          environmentName: request.environmentName,
          ttlHours: request.ttlHours,
          parameters: request.parameters,
          justification: request.justification,
          liveApprovals: detail.approvals.filter((a) => a.supersededAt === null).length,
        }}
      />
    </>
  );
}
