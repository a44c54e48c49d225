import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formTemplate } from "~/components/requests/form-template";
import { RequestForm } from "~/components/requests/request-form";
import { buttonClass } from "~/components/ui/button";
import { EmptyState, PageHeader } from "~/components/ui/page";
import { requireViewer } from "~/server/auth/guards";
import { loadCatalogTemplate } from "../load";

// No loading.tsx above this page, so notFound() answers a real 404.

type Props = { searchParams: Promise<{ template?: string | string[]; team?: string | string[] }> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const name = first((await searchParams).template);
  const detail = name ? await loadCatalogTemplate(name) : null;
  return { title: detail?.latest ? `Request ${detail.latest.title}` : "New request" };
}

export default async function NewRequestPage({ searchParams }: Props) {
  const viewer = await requireViewer();
  const query = await searchParams;
  const name = first(query.template);
  if (!name) {
    return (
      <>
        <PageHeader title="New request" description="Every request starts from a template in the catalog." />
        <EmptyState
          title="Pick a template first"
          action={
            <Link href="/catalog" className={buttonClass("primary")}>
              Browse the catalog
            </Link>
          }
        >
          Open a template in the catalog and choose “Request this environment”.
        </EmptyState>
      </>
    );
  }
  const detail = await loadCatalogTemplate(name);
  if (!detail?.latest) notFound();
  const latest = detail.latest;
  const back = (
    <Link href={`/catalog/${latest.name}`} className="text-sm text-brand-700 hover:underline">
      ← {latest.title}
    </Link>
  );
  const teams = viewer.teams.map((t) => ({ id: t.id, name: t.name })).sort((a, b) => a.name.localeCompare(b.name));
  const header = (
    <div className="mt-3">
      <PageHeader
        title={`Request ${latest.title}`}
        description="Choose where it goes and how it is sized; the preview shows what it creates, what it costs your team and what the policy decides before you submit."
      />
    </div>
  );

  if (latest.deprecated) {
    return (
      <>
        {back}
        {header}
        <EmptyState title="This template is deprecated">
          It takes no new requests{detail.template.deprecationReason ? `: ${detail.template.deprecationReason}` : "."}
        </EmptyState>
      </>
    );
  }
  if (latest.unavailableReason) {
    return (
      <>
        {back}
        {header}
        <EmptyState title="This template is unavailable here">{latest.unavailableReason}</EmptyState>
      </>
    );
  }
  if (teams.length === 0) {
    return (
      <>
        {back}
        {header}
        <EmptyState title="You are not in a team yet">
          Environments belong to teams. Ask an admin to add you to one, then come back to request this environment.
        </EmptyState>
      </>
    );
  }
  const wantedTeam = first(query.team);
  return (
    <>
      {back}
      {header}
      <RequestForm
        mode="new"
        template={formTemplate(latest.name, latest.document, latest.engineCapabilities)}
        teams={teams}
        defaultTeamId={teams.find((t) => t.id === wantedTeam)?.id}
      />
    </>
  );
}
