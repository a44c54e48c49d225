import Link from "next/link";
import type { ReactNode } from "react";
import { formatDate } from "~/components/format/time";
import { buttonClass } from "~/components/ui/button";
import { Badge, Card } from "~/components/ui/page";
import { CostSummary } from "./cost-summary";
import { categoryLabel, tierTones } from "./format";
import { OutputsTable } from "./outputs-table";
import { ParametersTable } from "./parameters-table";
import { PolicyPanel } from "./policy-panel";
import { ResourcesTable } from "./resources-table";
import { TemplateIcon } from "./template-icon";
import type { LatestVersion, TemplateDetail } from "./types";
import { VersionHistory } from "./version-history";

function DeprecatedBanner({ reason }: { reason: string | null }) {
  return (
    <div role="note" aria-label="Deprecated" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
      <p className="font-semibold">This template is deprecated</p>
      <p className="mt-0.5">It is hidden from new requests; existing environments keep working.</p>
      {reason && <p className="mt-1">Reason: {reason}</p>}
    </div>
  );
}

function UnavailableBanner({ reason }: { reason: string }) {
  return (
    <div role="note" aria-label="Unavailable" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900">
      <p className="font-semibold">This template cannot be requested on this server</p>
      <p id="unavailable-reason" className="mt-0.5">
        {reason}
      </p>
    </div>
  );
}

function RequestAction({ latest }: { latest: LatestVersion }) {
  if (latest.deprecated) return null;
  if (latest.unavailableReason) {
    return (
      <button type="button" disabled aria-describedby="unavailable-reason" title={latest.unavailableReason} className={buttonClass("primary")}>
        Request this environment
      </button>
    );
  }
  return (
    <Link href={`/requests/new?template=${encodeURIComponent(latest.name)}`} className={buttonClass("primary")}>
      Request this environment
    </Link>
  );
}

function Facts({ detail, latest }: { detail: TemplateDetail; latest: LatestVersion }) {
  const published = detail.versions[0];
  const facts: [string, ReactNode][] = [
    [
      "Template name",
      <code key="name" className="font-mono text-[0.8125rem]">
        {latest.name}
      </code>,
    ],
    ["Published", `${formatDate(latest.publishedAt)}${published?.publishedBy ? ` by ${published.publishedBy}` : ""}`],
    ["Resources at defaults", String(latest.plan.resources.length)],
    ["Maintained in", detail.template.source === "file" ? `templates/${latest.name}/` : "Admin (curation UI)"],
  ];
  return (
    <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
      {facts.map(([label, value]) => (
        <div key={label}>
          <dt className="text-xs font-medium uppercase text-slate-500">{label}</dt>
          <dd className="mt-0.5 text-slate-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One template: what it is, what it asks, what it creates and costs, its rules and its history. */
export function TemplatePage({ detail, latest }: { detail: TemplateDetail; latest: LatestVersion }) {
  const { document, plan } = latest;
  return (
    <div className="space-y-6">
      <div>
        <Link href="/catalog" className="text-sm text-brand-700 hover:underline">
          ← Catalog
        </Link>
        <header className="mt-3 flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-5">
          <div className="flex min-w-0 items-start gap-4">
            <TemplateIcon icon={latest.icon} category={latest.category} size="lg" />
            <div className="min-w-0">
              <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{latest.title}</h1>
              <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-slate-600">
                <span className="font-mono">v{latest.version}</span>
                <span aria-hidden>·</span>
                <span>{latest.owner}</span>
                <span aria-hidden>·</span>
                <span>{categoryLabel(latest.category)}</span>
                <span aria-hidden>·</span>
                <span>{latest.engineTitle}</span>
              </p>
              <p className="mt-2 flex flex-wrap items-center gap-1.5">
                <span className="sr-only">Tiers:</span>
                {latest.tiers.map((tier) => (
                  <Badge key={tier} tone={tierTones[tier]}>
                    {tier}
                  </Badge>
                ))}
                {latest.deprecated && <Badge tone="red">deprecated</Badge>}
              </p>
            </div>
          </div>
          <RequestAction latest={latest} />
        </header>
      </div>

      {latest.deprecated && <DeprecatedBanner reason={detail.template.deprecationReason} />}
      {!latest.deprecated && latest.unavailableReason && <UnavailableBanner reason={latest.unavailableReason} />}

      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="About" className="lg:col-span-2">
          <p className="whitespace-pre-line text-sm leading-6 text-slate-700">{latest.description}</p>
          {latest.tags.length > 0 && (
            <ul aria-label="Tags" className="mt-4 flex flex-wrap gap-1.5">
              {latest.tags.map((tag) => (
                <li key={tag} className="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700">
                  #{tag}
                </li>
              ))}
            </ul>
          )}
          <div className="mt-5 border-t border-slate-100 pt-5">
            <Facts detail={detail} latest={latest} />
          </div>
        </Card>
        <Card title="Monthly cost">
          <CostSummary minCents={latest.minMonthlyCents} maxCents={latest.maxMonthlyCents} defaultCents={plan.monthlyCents} tier={plan.tier} />
        </Card>
      </div>

      <Card title="Parameters">
        <ParametersTable parameters={document.spec.parameters} />
      </Card>

      <div id="resources" className="scroll-mt-6">
        <Card title="Resources">
          <p className="mb-4 text-sm text-slate-600">What a request with the default values creates, and what each part costs a month.</p>
          <ResourcesTable plan={plan} />
        </Card>
      </div>

      <Card title="Policy">
        <PolicyPanel policy={document.spec.policy} tiers={document.spec.tiers} tagKeys={plan.tagKeys} />
      </Card>

      <Card title="Outputs">
        <p className="mb-4 text-sm text-slate-600">What an environment made from this template reports once it is ready.</p>
        <OutputsTable outputs={document.spec.outputs} />
      </Card>

      <Card title="Version history">
        <VersionHistory
          versions={detail.versions.map((v) => ({
            id: v.id,
            version: v.version,
            publishedAt: v.publishedAt,
            publishedBy: v.publishedBy,
            contentHash: v.contentHash,
            minMonthlyCents: v.minMonthlyCents,
            maxMonthlyCents: v.maxMonthlyCents,
            yaml: v.yaml,
            moduleFiles: v.moduleFiles,
          }))}
        />
      </Card>
    </div>
  );
}
