import type { Metadata } from "next";
import Link from "next/link";
import { formatCents } from "~/components/format/money";
import { formatDate } from "~/components/format/time";
import { SyncRefusals } from "~/components/curation/sync-refusals";
import { buttonClass } from "~/components/ui/button";
import { Badge, Card, EmptyState } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";

export const metadata: Metadata = { title: "Templates · Admin" };


type Row = {
  name: string;
  title: string | null;
  version: string | null;
  publishedAt: Date | null;
  source: "file" | "ui";
  status: "published" | "deprecated" | "draft-only";
  drafts: number;
  cost: string | null;
};

export default async function AdminTemplatesPage() {
  const api = await serverApi();
  const { templates, draftOnly, refused } = await api.templateAdmin.list();
  const rows: Row[] = [
    ...templates.map((t): Row => ({
      name: t.name,
      title: t.title,
      version: t.version,
      publishedAt: t.publishedAt,
      source: t.source,
      status: t.deprecated ? "deprecated" : "published",
      drafts: t.draftCount,
      cost: t.minMonthlyCents === t.maxMonthlyCents ? formatCents(t.minMonthlyCents) : `${formatCents(t.minMonthlyCents)} – ${formatCents(t.maxMonthlyCents)}`,
    })),
    ...draftOnly.map((d): Row => ({
      name: d.name,
      title: d.title,
      version: null,
      publishedAt: null,
      source: d.source,
      status: "draft-only",
      drafts: d.draftCount,
      cost: null,
    })),
  ];
  rows.sort((a, b) => a.name.localeCompare(b.name));

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <p className="max-w-2xl text-sm text-slate-600">
          Templates come from folders under <code className="font-mono text-xs">templates/</code> or are drafted here. A published version never changes; deprecated
          templates are hidden from new requests.
        </p>
        <Link href="/admin/templates/new" className={buttonClass("primary")}>
          New template
        </Link>
      </div>
      <SyncRefusals refused={refused} />
      {rows.length === 0 ? (
        <EmptyState title="No templates yet">Add a folder under templates/ or start a new template here.</EmptyState>
      ) : (
        <Card title={`Templates (${rows.length})`}>
          <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Templates table">
            <table className="w-full min-w-[40rem] text-left text-sm">
              <caption className="sr-only">All templates</caption>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="pb-2 pr-4 font-medium">Template</th>
                  <th scope="col" className="pb-2 pr-4 font-medium">Latest version</th>
                  <th scope="col" className="pb-2 pr-4 font-medium">Source</th>
                  <th scope="col" className="pb-2 pr-4 font-medium">Status</th>
                  <th scope="col" className="pb-2 pr-4 text-right font-medium">Drafts</th>
                  <th scope="col" className="pb-2 pr-4 text-right font-medium">Monthly cost</th>
                  <th scope="col" className="pb-2 text-right font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((row) => (
                  <tr key={row.name} className="align-top">
                    <td className="py-2.5 pr-4">
                      <span className="block font-medium text-slate-900">{row.title ?? row.name}</span>
                      <span className="block font-mono text-xs text-slate-500">{row.name}</span>
                    </td>
                    <td className="py-2.5 pr-4">
                      {row.version ? (
                        <>
                          <span className="block font-mono">{row.version}</span>
                          {row.publishedAt && <span className="block text-xs text-slate-500">{formatDate(row.publishedAt)}</span>}
                        </>
                      ) : (
                        <span className="text-slate-500">none published</span>
                      )}
                    </td>
                    <td className="py-2.5 pr-4">
                      <Badge>{row.source === "file" ? "file" : "UI"}</Badge>
                    </td>
                    <td className="py-2.5 pr-4">
                      {row.status === "published" && <Badge tone="green">published</Badge>}
                      {row.status === "deprecated" && <Badge tone="red">deprecated</Badge>}
                      {row.status === "draft-only" && <Badge tone="amber">draft only</Badge>}
                    </td>
                    <td className="py-2.5 pr-4 text-right tabular-nums">{row.drafts > 0 ? row.drafts : <span className="text-slate-400">–</span>}</td>
                    <td className="whitespace-nowrap py-2.5 pr-4 text-right tabular-nums">{row.cost ?? <span className="text-slate-400">–</span>}</td>
                    <td className="py-2.5 text-right">
                      <Link href={`/admin/templates/${row.name}`} className="font-medium text-brand-700 hover:underline" aria-label={`Manage ${row.name}`}>
                        Manage
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </div>
  );
}
