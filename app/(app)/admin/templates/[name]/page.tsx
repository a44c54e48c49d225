import type { Metadata } from "next";
import Link from "next/link";
import { SuccessNotice } from "~/components/curation/notice";
import { starterTemplate } from "~/components/curation/starter";
import { DeprecationControl, NewVersionButton } from "~/components/curation/template-actions";
import { nextVersion, readScalar, replaceScalar } from "~/components/curation/yaml-text";
import { formatCents } from "~/components/format/money";
import { formatDateTime } from "~/components/format/time";
import { buttonClass } from "~/components/ui/button";
import { Badge, Card, EmptyState } from "~/components/ui/page";
import { loadTemplateForAdmin } from "./load";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  return { title: `${(await params).name} · Templates · Admin` };
}


type Notices = { published?: string; deleted?: string; deprecated?: string; restored?: string };

function noticeText(n: Notices): string | null {
  if (n.published) return `Version ${n.published} is published: developers can request it now.`;
  if (n.deleted) return `Draft ${n.deleted} was deleted.`;
  if (n.deprecated) return "The template is deprecated: it is hidden from the catalog and new requests.";
  if (n.restored) return "The template is restored: it is back in the catalog.";
  return null;
}

export default async function AdminTemplatePage({ params, searchParams }: { params: Promise<{ name: string }>; searchParams: Promise<Notices> }) {
  const [{ name }, notices] = await Promise.all([params, searchParams]);
  const detail = await loadTemplateForAdmin(name);
  const { template, latest, versions } = detail;
  const published = versions.filter((v) => v.status === "published");
  const drafts = versions.filter((v) => v.status === "draft");
  // A new version starts from the newest published YAML (else the newest draft, else the starter),
  // numbered after every version there is, drafts included, so it never collides with one.
  const base = published[0] ?? versions[0] ?? null;
  const baseYaml = base?.yaml ?? replaceScalar(starterTemplate, ["metadata", "name"], template.name);
  const next = nextVersion(versions.map((v) => v.version));
  const notice = noticeText(notices);
  // Without a published version, the newest draft says what the template is called.
  const draftTitle = !latest && versions[0] ? readScalar(versions[0].yaml, ["metadata", "title"])?.value : null;
  const title = latest?.title ?? (typeof draftTitle === "string" && draftTitle.trim() ? draftTitle : template.name);
  // The newest draft is usually what an admin comes back for.
  const openDraft = drafts[0] ?? null;

  return (
    <div className="space-y-6">
      <div>
        <Link href="/admin/templates" className="text-sm text-brand-700 hover:underline">
          ← All templates
        </Link>
        <div className="mt-2 flex flex-col gap-4 lg:flex-row lg:items-start lg:justify-between">
          <div className="min-w-0">
            <h2 className="flex flex-wrap items-center gap-2 text-xl font-semibold">
              <span>{title}</span>
              <span className="font-mono text-sm font-normal text-slate-500">{template.name}</span>
              {template.deprecatedAt ? <Badge tone="red">deprecated</Badge> : latest ? <Badge tone="green">published</Badge> : <Badge tone="amber">draft only</Badge>}
              <Badge>{template.source === "file" ? "from file" : "made in the UI"}</Badge>
            </h2>
            {latest && <p className="mt-1 max-w-3xl text-sm text-slate-600">{latest.description}</p>}
            {latest && (
              <p className="mt-2 text-sm">
                <Link href={`/catalog/${template.name}`} className="font-medium text-brand-700 hover:underline">
                  View in the catalog →
                </Link>
              </p>
            )}
          </div>
          <div className="flex shrink-0 flex-wrap items-start gap-2">
            {openDraft && (
              <Link href={`/admin/templates/${template.name}/drafts/${openDraft.id}`} className={buttonClass("primary")}>
                Continue draft {openDraft.version}
              </Link>
            )}
            <NewVersionButton baseYaml={baseYaml} nextVersion={next} baseVersion={base?.version ?? null} variant={openDraft ? "secondary" : "primary"} />
            {latest && <DeprecationControl templateId={template.id} name={template.name} deprecated={template.deprecatedAt !== null} />}
          </div>
        </div>
      </div>

      {notice && <SuccessNotice>{notice}</SuccessNotice>}

      {template.deprecatedAt && (
        <div role="note" aria-label="Deprecated" className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
          <p className="font-medium">Deprecated on {formatDateTime(template.deprecatedAt)}</p>
          <p className="mt-0.5">Reason: {template.deprecationReason ?? "none given"}. Hidden from the catalog and new requests; existing environments are not touched.</p>
        </div>
      )}

      {template.source === "file" && (
        <p className="text-sm text-slate-600">
          This template also lives in <code className="font-mono text-xs">templates/{template.name}/template.yaml</code>. Versions published here stay in the
          database; a higher version in the file is published when the app starts.
        </p>
      )}

      {versions.length === 0 ? (
        <EmptyState title="No versions">Every draft of this template was deleted. Start a new version above.</EmptyState>
      ) : (
        <Card title={`Versions (${versions.length})`}>
          <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Versions">
            <table className="w-full min-w-[36rem] text-left text-sm">
              <caption className="sr-only">Versions of {template.name}</caption>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="pb-2 pr-4 font-medium">Version</th>
                  <th scope="col" className="pb-2 pr-4 font-medium">Status</th>
                  <th scope="col" className="pb-2 pr-4 font-medium">Who and when</th>
                  <th scope="col" className="pb-2 pr-4 text-right font-medium">Monthly cost</th>
                  <th scope="col" className="pb-2 text-right font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {versions.map((v) => (
                  <tr key={v.id} className="align-top">
                    <th scope="row" className="py-2.5 pr-4 font-mono font-medium">
                      {v.version}{" "}
                      {v.id === published[0]?.id && <span className="ml-2 font-sans text-xs font-normal text-slate-500">latest</span>}
                    </th>
                    <td className="py-2.5 pr-4">
                      <span className="flex flex-wrap gap-1.5">
                        {v.status === "published" ? <Badge tone="green">published</Badge> : <Badge tone="amber">draft</Badge>}
                        {v.status === "draft" && !v.valid && <Badge tone="red">has problems</Badge>}
                        <Badge>{v.source === "file" ? "file" : "UI"}</Badge>
                      </span>
                    </td>
                    <td className="py-2.5 pr-4 text-slate-700">
                      {v.status === "published" ? (
                        <>
                          Published by {v.publishedBy ?? "unknown"}
                          {v.publishedAt && <span className="block text-xs text-slate-500">{formatDateTime(v.publishedAt)}</span>}
                        </>
                      ) : (
                        <>
                          Drafted by {v.createdBy ?? "unknown"}
                          <span className="block text-xs text-slate-500">changed {formatDateTime(v.updatedAt)}</span>
                        </>
                      )}
                    </td>
                    <td className="whitespace-nowrap py-2.5 pr-4 text-right tabular-nums">
                      {v.minMonthlyCents !== null && v.maxMonthlyCents !== null
                        ? v.minMonthlyCents === v.maxMonthlyCents
                          ? formatCents(v.minMonthlyCents)
                          : `${formatCents(v.minMonthlyCents)} – ${formatCents(v.maxMonthlyCents)}`
                        : "–"}
                    </td>
                    <td className="py-2.5 text-right">
                      {v.status === "draft" ? (
                        <Link href={`/admin/templates/${template.name}/drafts/${v.id}`} className="font-medium text-brand-700 hover:underline" aria-label={`Edit draft ${v.version}`}>
                          Edit
                        </Link>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {drafts.length > 0 && published.length > 0 && (
            <p className="mt-3 text-xs text-slate-500">A draft can only be published with a version higher than {published[0]?.version}.</p>
          )}
        </Card>
      )}
    </div>
  );
}
