import Link from "next/link";
import { Badge } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";
import type { RequestDetail } from "~/components/requests/types";
import { RunLog } from "./run-log";

const envTone = { provisioning: "brand", ready: "green", failed: "red", destroying: "amber", destroyed: "slate" } as const;

/** What the request made: the environment's status, outputs and resources, and its runs' logs (the newest live). */
export function EnvironmentPanel({ environment, runs }: { environment: NonNullable<RequestDetail["environment"]>; runs: RequestDetail["runs"] }) {
  const latest = runs[0];
  return (
    <div className="space-y-4 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium text-slate-800">Environment</span>
        <Badge tone={envTone[environment.status]}>{environment.status}</Badge>
        <span className="text-slate-500">
          expires <RelativeTime at={environment.expiresAt} />
        </span>
        <Link href={`/environments/${environment.id}`} className="ml-auto font-medium text-brand-700 hover:underline">
          Open environment →
        </Link>
      </div>
      {environment.failureSummary && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-800">
          {environment.failureSummary}
        </p>
      )}
      {Object.keys(environment.outputs).length > 0 && (
        <dl className="grid gap-2 sm:grid-cols-2">
          {Object.entries(environment.outputs).map(([name, value]) => (
            <div key={name}>
              <dt className="text-xs text-slate-500">{name}</dt>
              <dd className="break-all font-mono text-xs text-slate-800">{value}</dd>
            </div>
          ))}
        </dl>
      )}
      {environment.hasSecretOutputs && (
        <p className="text-xs text-slate-500">This environment also has secret outputs; they are stored encrypted and never shown in logs.</p>
      )}
      {environment.resources.length > 0 && (
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Resources table">
          <table className="w-full text-left text-xs" aria-label="Environment resources">
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="pb-1 pr-3 font-medium">
                  Resource
                </th>
                <th scope="col" className="pb-1 pr-3 font-medium">
                  Type
                </th>
                <th scope="col" className="pb-1 pr-3 font-medium">
                  Id
                </th>
                <th scope="col" className="pb-1 font-medium">
                  Status
                </th>
              </tr>
            </thead>
            <tbody>
              {environment.resources.map((r) => (
                <tr key={r.address} className="border-t border-slate-100">
                  <td className="py-1 pr-3 font-mono">{r.address}</td>
                  <td className="py-1 pr-3">{r.type}</td>
                  <td className="py-1 pr-3 font-mono text-slate-600">{r.providerId ?? "–"}</td>
                  <td className="py-1">{r.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {latest && (
        <section aria-label={`Run log (${latest.kind})`} className="space-y-1">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">
            {latest.kind} run{latest.attempts > 1 ? `, attempt ${latest.attempts}` : ""}
          </h3>
          <RunLog key={latest.id} runId={latest.id} initialStatus={latest.status} />
        </section>
      )}
    </div>
  );
}
