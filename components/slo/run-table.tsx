import Link from "next/link";
import { formatDateTime } from "~/components/format/time";
import { Badge } from "~/components/ui/page";
import { causeLabels, runHref, secondsText } from "./query";
import type { RunRow } from "./types";

const tone = { queued: "slate", running: "brand", succeeded: "green", failed: "red", cancelled: "slate" } as const;

/** Runs with their log one click away (the run's page). */
export function RunTable({ runs, caption, empty }: { runs: RunRow[]; caption: string; empty: string }) {
  if (runs.length === 0) return <p className="text-sm text-slate-500">{empty}</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-3">
              Run
            </th>
            <th scope="col" className="py-2 pr-3">
              Environment
            </th>
            <th scope="col" className="py-2 pr-3">
              Template / engine
            </th>
            <th scope="col" className="py-2 pr-3">
              Status
            </th>
            <th scope="col" className="py-2 pr-3">
              Cause
            </th>
            <th scope="col" className="py-2 pr-3 text-right">
              Duration
            </th>
            <th scope="col" className="py-2 pr-3 text-right">
              Retries (429)
            </th>
            <th scope="col" className="py-2">
              When
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {runs.map((r) => (
            <tr key={r.id}>
              <td className="py-2 pr-3">
                <Link href={runHref(r.id)} className="font-medium text-brand-700 hover:underline">
                  Log of {r.kind} run {r.id.slice(0, 8)}
                </Link>
              </td>
              <td className="py-2 pr-3">
                <Link href={`/environments/${r.environmentId}`} className="hover:underline">
                  {r.environmentName}
                </Link>{" "}
                <span className="text-slate-500">
                  ({r.teamSlug}, {r.tier})
                </span>
              </td>
              <td className="py-2 pr-3">
                {r.template} / {r.engine}
              </td>
              <td className="py-2 pr-3">
                <Badge tone={tone[r.status]}>{r.status}</Badge>
              </td>
              <td className="py-2 pr-3" title={r.error ?? undefined}>
                {r.failureCause ? causeLabels[r.failureCause] : "–"}
              </td>
              <td className="py-2 pr-3 text-right tabular-nums">{secondsText(r.durationSeconds)}</td>
              <td className="py-2 pr-3 text-right tabular-nums">
                {r.retries} ({r.rateLimitResponses})
              </td>
              <td className="py-2 whitespace-nowrap">{formatDateTime(r.finishedAt ?? r.queuedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
