"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/components/trpc/client";
import { Badge, Card, ErrorNotice, Skeleton } from "~/components/ui/page";
import { SloControls, SloTabs, useSloQuery } from "./controls";
import { causeLabels, runsHref, secondsText, type RangePreset } from "./query";
import { RunTable } from "./run-table";
import type { SloTeamOption } from "./types";

const defaults = { range: "1h" as RangePreset, team: "all" };
/** One runbook per alert (docs/runbooks/, served at /slo/runbooks/<name>), the same files the Prometheus alerts link. */
export const runbookBase = "/slo/runbooks";
const runbooks = {
  "slo-fast-burn": "Success SLO fast burn",
  "slo-slow-burn": "Success SLO slow burn",
  "time-to-provision-burn": "Time to provision burn",
  "no-live-worker": "No live worker",
  "quota-blocks": "Quota blocks",
};

export function OncallView({ teams, allowAll }: { teams: SloTeamOption[]; allowAll: boolean }) {
  const trpc = useTRPC();
  const { query, update } = useSloQuery(defaults);
  // On-call is "now": refreshed every 30 s while the page is open.
  const data = useQuery({ ...trpc.slo.oncall.queryOptions({ teamId: query.team }), refetchInterval: 30_000 });
  const d = data.data;
  return (
    <>
      <SloTabs query={query} />
      <SloControls query={query} update={update} teams={teams} allowAll={allowAll} showRange={false} />
      {data.error ? (
        <ErrorNotice message={data.error.message} />
      ) : !d ? (
        <div aria-busy="true" aria-label="Loading the on-call dashboard" className="space-y-3">
          <Skeleton className="h-24 w-full" />
          <Skeleton className="h-40 w-full" />
        </div>
      ) : (
        <div className="space-y-6">
          <Card title="Burn-rate alerts firing">
            {d.burnAlerts.length === 0 ? (
              <p className="text-sm text-slate-600">None: every SLO burns its error budget slower than the alert thresholds.</p>
            ) : (
              <ul className="space-y-1 text-sm">
                {d.burnAlerts.map((a) => (
                  <li key={a.key}>
                    <Badge tone="red">{a.severity} burn</Badge> {a.title}: {a.burn.fast.long?.toFixed(1) ?? "–"}× over 1 h,{" "}
                    {a.burn.slow.long?.toFixed(1) ?? "–"}× over 6 h —{" "}
                    <a className="text-brand-700 underline" href={`${runbookBase}/${a.severity === "fast" ? "slo-fast-burn" : "slo-slow-burn"}`}>
                      runbook
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title={`Failing runs (last hour): ${d.failing.length}`}>
            <RunTable runs={d.failing} caption="Runs that failed in the last hour" empty="No run failed in the last hour." />
          </Card>
          <Card title={`Stuck runs (no heartbeat for ${d.staleAfterSeconds} s): ${d.stuck.length}`}>
            <RunTable runs={d.stuck} caption="Running runs without a heartbeat" empty="No stuck run." />
          </Card>
          <div className="grid gap-6 lg:grid-cols-3">
            <Card title="Queue">
              <p className="text-sm">
                <Link
                  className="text-2xl font-semibold text-brand-700 hover:underline"
                  href={runsHref({ ...query, range: "28d" }, { status: "queued" })}
                >
                  {d.queue.depth}
                </Link>{" "}
                queued runs, oldest waiting {secondsText(d.queue.oldestAgeSeconds)}
              </p>
            </Card>
            <Card title="Workers">
              {d.workers.length === 0 ? (
                <p className="text-sm text-red-700">No worker has reported in the last hour.</p>
              ) : (
                <ul className="text-sm">
                  {d.workers.map((w) => (
                    <li key={w.workerId}>
                      <Badge tone={w.live ? "green" : "red"}>{w.live ? "live" : "silent"}</Badge> {w.hostname} pid {w.pid}, {w.concurrency} slots,
                      seen {secondsText(w.ageSeconds)} ago
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <Card title="Engine errors by cause (last hour)">
              {d.errors.byEngine.length === 0 ? (
                <p className="text-sm text-slate-600">No engine errors.</p>
              ) : (
                <ul className="text-sm">
                  {d.errors.byEngine.map((e) => (
                    <li key={`${e.engine}/${e.cause}`}>
                      <Link
                        className="text-brand-700 underline"
                        href={runsHref({ ...query, range: "1h", engine: e.engine }, { status: "failed", cause: e.cause })}
                      >
                        {e.engine}: {causeLabels[e.cause]} × {e.count}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </div>
          <Card title="Runbooks">
            <ul className="flex flex-wrap gap-x-4 text-sm">
              {Object.entries(runbooks).map(([name, label]) => (
                <li key={name}>
                  <Link className="text-brand-700 underline" href={`${runbookBase}/${name}`}>
                    {label}
                  </Link>
                </li>
              ))}
            </ul>
          </Card>
          <Card title="Approvals waiting longest">
            {d.approvals.length === 0 ? (
              <p className="text-sm text-slate-600">Nothing waits for an approver.</p>
            ) : (
              <ul className="text-sm">
                {d.approvals.map((a) => (
                  <li key={a.id}>
                    <Link className="text-brand-700 underline" href={`/requests/${a.id}`}>
                      {a.number} {a.environmentName}
                    </Link>{" "}
                    ({a.teamSlug}, {a.tier}) waiting {secondsText(a.waitingSeconds)}
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
