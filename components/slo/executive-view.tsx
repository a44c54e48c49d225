"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatCentsExact } from "~/components/format/money";
import { useTRPC } from "~/components/trpc/client";
import { Badge, Card, EmptyState, ErrorNotice, Skeleton } from "~/components/ui/page";
import { SloControls, SloTabs, useSloQuery } from "./controls";
import { percentText, runsHref, secondsText, type RangePreset } from "./query";
import { SliGrid } from "./sli-grid";
import { TargetsForm } from "./targets-form";
import { TrendChart } from "./trend-chart";
import type { SloTeamOption } from "./types";

const defaults = { range: "28d" as RangePreset, team: "all" };

export function ExecutiveView({ teams, allowAll, canEdit = false }: { teams: SloTeamOption[]; allowAll: boolean; canEdit?: boolean }) {
  const trpc = useTRPC();
  const { query, from, update } = useSloQuery(defaults);
  const data = useQuery({ ...trpc.slo.executive.queryOptions({ teamId: query.team, from }), placeholderData: keepPreviousData });
  return (
    <>
      <SloTabs query={query} />
      <SloControls query={query} update={update} teams={teams} allowAll={allowAll} />
      {data.error ? (
        <ErrorNotice message={data.error.message} />
      ) : !data.data ? (
        <div className="space-y-3" aria-busy="true" aria-label="Loading the executive dashboard">
          <Skeleton className="h-24 w-full" />
          <Skeleton className="h-40 w-full" />
        </div>
      ) : (
        <div className="space-y-6">
          <Card title="SLO compliance and error budget">
            <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4 [&>*]:min-w-0">
              {data.data.slos.map((s) => (
                <div key={s.key} className="rounded-md border border-slate-200 p-3">
                  <p className="text-sm font-medium text-slate-700">{s.title}</p>
                  <p className="text-xs text-slate-500">
                    target {percentText(s.objective, 1)} over {s.windowDays} d
                    {s.thresholdSeconds ? `, within ${secondsText(s.thresholdSeconds)}` : ""}
                  </p>
                  <p className="mt-1 text-2xl font-semibold tabular-nums">
                    <Link href={runsHref(query)} className="hover:underline">
                      {percentText(s.ratio)}
                    </Link>
                  </p>
                  <p className="text-sm">
                    {s.compliant === null ? (
                      <Badge>no events</Badge>
                    ) : s.compliant ? (
                      <Badge tone="green">meeting target</Badge>
                    ) : (
                      <Badge tone="red">missing target</Badge>
                    )}{" "}
                    budget left {s.budgetLeft === null ? "–" : `${Math.round(s.budgetLeft * 100)} %`}
                  </p>
                  {(s.burn.fast.firing || s.burn.slow.firing) && (
                    <p className="mt-1 text-sm font-medium text-red-700">{s.burn.fast.firing ? "Fast" : "Slow"} burn firing</p>
                  )}
                </div>
              ))}
            </div>
          </Card>
          {data.data.trend.length === 0 ? (
            <EmptyState title="No activity in this range">Nothing was provisioned in this range.</EmptyState>
          ) : (
            <Card title="Trends">
              <div className="grid gap-6 lg:grid-cols-3 [&>*]:min-w-0">
                <TrendChart trend={data.data.trend} series="successRatio" />
                <TrendChart trend={data.data.trend} series="environments" />
                <TrendChart trend={data.data.trend} series="spendCents" />
              </div>
            </Card>
          )}
          <Card title="Top cost drivers (per template and tier)">
            {data.data.topCostDrivers.length === 0 ? (
              <p className="text-sm text-slate-500">No cost accrued in this range.</p>
            ) : (
              <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Top cost drivers">
                <table className="w-full text-sm">
                  <caption className="sr-only">Top cost drivers</caption>
                  <thead className="text-xs uppercase text-slate-500">
                    <tr>
                      <th scope="col" className="text-left">
                        Template
                      </th>
                      <th scope="col" className="text-left">
                        Tier
                      </th>
                      <th scope="col" className="text-right">
                        Environments
                      </th>
                      <th scope="col" className="text-right">
                        Spend
                      </th>
                      <th scope="col" className="text-right">
                        Per environment
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.data.topCostDrivers.map((c) => (
                      <tr key={`${c.template}/${c.tier}`}>
                        <td>
                          <Link
                            className="text-brand-700 hover:underline"
                            href={`/slo/debug${`?range=${query.range}&team=${query.team}&template=${encodeURIComponent(c.template)}&tier=${c.tier}`}`}
                          >
                            {c.template}
                          </Link>
                        </td>
                        <td>{c.tier}</td>
                        <td className="text-right tabular-nums">{c.environments}</td>
                        <td className="text-right tabular-nums">{formatCentsExact(c.totalCents)}</td>
                        <td className="text-right tabular-nums">{formatCentsExact(c.perEnvironmentCents)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <SliGrid slis={data.data.slis} query={query} />
          {canEdit && <TargetsForm />}
        </div>
      )}
    </>
  );
}
