import Link from "next/link";
import { formatDateTime } from "~/components/format/time";
import { Badge, Card, PageHeader } from "~/components/ui/page";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type Fleet = inferRouterOutputs<AppRouter>["fleet"]["get"];

/** A template's fleet: how many environments run each version, which are behind, with owners, teams and tiers. */
export function FleetView({ fleet }: { fleet: Fleet }) {
  return (
    <>
      <PageHeader
        title={`Fleet of ${fleet.template.name}`}
        description={`Live environments of ${fleet.scope}. Newest published version: ${fleet.latestVersion ?? "none"}.`}
      />
      <div className="space-y-6">
        <Card title="Versions">
          {fleet.versions.length === 0 ? (
            <p className="text-sm text-slate-600">No live environment runs this template.</p>
          ) : (
            <ul aria-label="Environments per version" className="flex flex-wrap gap-3 text-sm">
              {fleet.versions.map((v) => (
                <li key={v.version} className="rounded-md border border-slate-200 px-3 py-2">
                  <span className="font-mono">{v.version}</span>: {v.environments} {v.environments === 1 ? "environment" : "environments"}{" "}
                  {v.latest ? <Badge tone="green">latest</Badge> : <Badge tone="amber">behind</Badge>}
                </li>
              ))}
            </ul>
          )}
          <p className="mt-3 text-sm text-slate-700" role="status">
            {fleet.behind} {fleet.behind === 1 ? "environment is" : "environments are"} behind the newest version.
          </p>
        </Card>
        <Card title="Environments">
          {fleet.environments.length === 0 ? (
            <p className="text-sm text-slate-600">Nothing to show.</p>
          ) : (
            <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label={`Environments of ${fleet.template.name}`}>
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Environments of {fleet.template.name}</caption>
                <thead className="text-xs text-slate-500 uppercase">
                  <tr>
                    {["Environment", "Version", "Tier", "Team", "Owner", "Status", "Expires"].map((h) => (
                      <th key={h} scope="col" className="py-1 pr-3 font-medium">
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {fleet.environments.map((e) => (
                    <tr key={e.id}>
                      <td className="py-2 pr-3">
                        <Link href={`/environments/${e.id}`} className="text-brand-700 hover:underline">
                          {e.name}
                        </Link>
                      </td>
                      <td className="py-2 pr-3 font-mono">
                        {e.version} {e.behind && <Badge tone="amber">behind</Badge>}
                      </td>
                      <td className="py-2 pr-3">{e.tier}</td>
                      <td className="py-2 pr-3">{e.teamName}</td>
                      <td className="py-2 pr-3">{e.ownerName}</td>
                      <td className="py-2 pr-3">{e.status}</td>
                      <td className="py-2 pr-3">{formatDateTime(e.expiresAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}

/** Under a template's catalog page, for those who may see its fleet. */
export function FleetLink({ name }: { name: string }) {
  return (
    <p className="mt-6 text-sm">
      <Link href={`/catalog/${name}/fleet`} className="text-brand-700 hover:underline">
        See which environments run which version of {name} (fleet)
      </Link>
    </p>
  );
}
