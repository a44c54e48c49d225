"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useId, useMemo } from "react";
import { formatCentsExact, formatMicrosPerHour } from "~/components/format/money";
import { formatDateTime, formatDay } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { buttonClass } from "~/components/ui/button";
import { Field, Select } from "~/components/ui/form";
import { Badge, EmptyState, ErrorNotice, Skeleton } from "~/components/ui/page";
import { defaultGroupTag, monthLabel, monthSchema, shiftMonth, tagKeySchema } from "~/server/schemas/costs";
import { BreakdownTable } from "./breakdown-table";
import { CostChart } from "./cost-chart";
import { percent } from "./format";
import type { CostSummary, CostTeamOption } from "./types";

type Query = { team: string; month: string; tag: string };

const monthsShown = 13;

function parseQuery(
  params: URLSearchParams,
  options: { teams: CostTeamOption[]; allowAll: boolean; defaultTeam: string; currentMonth: string },
): Query {
  const team = params.get("team");
  const month = params.get("month");
  const tag = params.get("tag");
  return {
    team: team && (options.teams.some((t) => t.id === team) || (team === "all" && options.allowAll)) ? team : options.defaultTeam,
    month: month && monthSchema.safeParse(month).success && month <= options.currentMonth ? month : options.currentMonth,
    tag: tag && tagKeySchema.safeParse(tag).success ? tag : defaultGroupTag,
  };
}

function queryString(q: Query, defaults: { team: string; month: string }): string {
  const params = new URLSearchParams();
  if (q.team !== defaults.team) params.set("team", q.team);
  if (q.month !== defaults.month) params.set("month", q.month);
  if (q.tag !== defaultGroupTag) params.set("tag", q.tag);
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The cost page: team and month pickers in the URL, headline figures, the daily chart, breakdowns, top environments, FOCUS download. */
export function CostsView({
  teams,
  allowAll,
  defaultTeam,
  currentMonth,
}: {
  teams: CostTeamOption[];
  allowAll: boolean;
  defaultTeam: string;
  currentMonth: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const query = useMemo(
    () => parseQuery(searchParams, { teams, allowAll, defaultTeam, currentMonth }),
    [searchParams, teams, allowAll, defaultTeam, currentMonth],
  );
  const update = (change: Partial<Query>) =>
    router.replace(`${pathname}${queryString({ ...query, ...change }, { team: defaultTeam, month: currentMonth })}`, { scroll: false });

  const summary = useQuery({
    ...trpc.costs.summary.queryOptions({ teamId: query.team, month: query.month, groupTag: query.tag }),
    placeholderData: keepPreviousData,
  });
  const months = useMemo(() => {
    const list = Array.from({ length: monthsShown }, (_, i) => shiftMonth(currentMonth, -i));
    return list.includes(query.month) ? list : [...list, query.month];
  }, [currentMonth, query.month]);
  const exportHref = `/api/costs/export?${new URLSearchParams({ team: query.team, month: query.month }).toString()}`;

  return (
    <div className="space-y-6">
      <form
        aria-label="Which costs"
        className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="w-full sm:w-64">
          <Field label="Team">
            {({ id }) => (
              <Select id={id} value={query.team} onChange={(e) => update({ team: e.target.value })}>
                {allowAll && <option value="all">All teams</option>}
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        <div className="w-full sm:w-64">
          <Field label="Month">
            {({ id }) => (
              <Select id={id} value={query.month} onChange={(e) => update({ month: e.target.value })}>
                {months.map((m) => (
                  <option key={m} value={m}>
                    {monthLabel(m)}
                    {m === currentMonth ? " (this month)" : ""}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        <a
          href={exportHref}
          download
          className={buttonClass("secondary", "sm:ml-auto")}
          title="One row per resource per day in the FinOps FOCUS columns (BilledCost, ChargePeriodStart, ResourceId, Tags…)"
        >
          Download FOCUS CSV
        </a>
      </form>

      {summary.error ? (
        <ErrorNotice title="Costs could not be loaded" message={summary.error.message} />
      ) : !summary.data ? (
        <CostsSkeleton />
      ) : (
        <div
          className={`space-y-6 transition-opacity ${summary.isFetching && summary.isPlaceholderData ? "opacity-60" : ""}`}
          aria-busy={summary.isFetching || undefined}
        >
          <Headline summary={summary.data} />
          {isEmpty(summary.data) ? (
            <EmptyState
              title={summary.data.isCurrentMonth ? "No cost yet this month" : `No cost in ${monthLabel(summary.data.month)}`}
              action={
                <Link href="/catalog" className={buttonClass("secondary")}>
                  Browse the catalog
                </Link>
              }
            >
              Environments cost from the moment their resources are ready until they are destroyed; their cost shows here by the hour.
            </EmptyState>
          ) : (
            <Details summary={summary.data} tag={query.tag} onTag={(tag) => update({ tag })} />
          )}
        </div>
      )}
    </div>
  );
}

const isEmpty = (s: CostSummary) => s.spentCents === 0 && s.forecastCents === 0 && s.topEnvironments.length === 0;

function Headline({ summary: s }: { summary: CostSummary }) {
  const { budget } = s;
  const usedWidth = budget.usedPercent === null ? 0 : Math.min(100, budget.usedPercent);
  const forecastWidth = budget.forecastPercent === null ? 0 : Math.min(100, budget.forecastPercent);
  const over = budget.limitCents > 0 && s.spentCents > budget.limitCents;
  const forecastOver = budget.limitCents > 0 && s.forecastCents > budget.limitCents;
  return (
    <div className="grid gap-4 md:grid-cols-3">
      <section aria-labelledby="cost-spent" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="cost-spent" className="text-sm font-medium text-slate-600">
          {s.isCurrentMonth ? "Spent this month" : `Spent in ${monthLabel(s.month)}`}
        </h2>
        <p className="mt-1 text-3xl font-semibold tabular-nums tracking-tight text-slate-900">{formatCentsExact(s.spentCents)}</p>
        <p className="mt-1 text-xs text-slate-500">
          {s.isCurrentMonth ? (
            <>
              To {formatDateTime(s.asOf)}
              {s.runningHourlyMicros > 0 && <> · running now at {formatMicrosPerHour(s.runningHourlyMicros)}</>}
            </>
          ) : (
            `The whole month, ${formatDay(s.daily[0]?.date ?? "")} to ${formatDay(s.daily.at(-1)?.date ?? "")}`
          )}
        </p>
      </section>
      <section aria-labelledby="cost-forecast" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="cost-forecast" className="text-sm font-medium text-slate-600">
          {s.isCurrentMonth ? "Forecast to month end" : "Month total"}
        </h2>
        <p className={`mt-1 text-3xl font-semibold tabular-nums tracking-tight ${forecastOver ? "text-red-700" : "text-slate-900"}`}>
          {formatCentsExact(s.forecastCents)}
        </p>
        <p className="mt-1 text-xs text-slate-500">
          {s.isCurrentMonth
            ? "Assumes running resources stay until their expiry (or the month's end), at today's rates."
            : "The month is over: nothing more accrues."}
        </p>
      </section>
      <section aria-labelledby="cost-budget" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <div className="flex items-center justify-between gap-2">
          <h2 id="cost-budget" className="text-sm font-medium text-slate-600">
            {s.team ? "Monthly budget" : "Budgets of all teams"}
          </h2>
          {budget.mode && <Badge tone={budget.mode === "hard" ? "slate" : "amber"}>{budget.mode === "hard" ? "Hard limit" : "Soft limit"}</Badge>}
        </div>
        <p className="mt-1 text-3xl font-semibold tabular-nums tracking-tight text-slate-900">{formatCentsExact(budget.limitCents)}</p>
        {budget.usedPercent === null ? (
          <p className="mt-1 text-xs text-slate-500">No budget set.</p>
        ) : (
          <>
            <div
              role="progressbar"
              aria-label="Budget used"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(Math.min(100, budget.usedPercent))}
              aria-valuetext={`${percent(budget.usedPercent)} used${s.isCurrentMonth ? `, ${percent(budget.forecastPercent ?? 0)} forecast` : ""}`}
              className="relative mt-3 h-2 overflow-hidden rounded-full bg-slate-100 ring-1 ring-inset ring-slate-200"
            >
              {s.isCurrentMonth && (
                <span
                  className={`absolute inset-y-0 left-0 ${forecastOver ? "bg-red-200" : "bg-brand-100"}`}
                  style={{ width: `${forecastWidth}%` }}
                />
              )}
              <span
                className={`absolute inset-y-0 left-0 ${over ? "bg-red-600" : "bg-brand-600"}`}
                style={{ width: `${usedWidth}%`, minWidth: s.spentCents > 0 ? "3px" : undefined }}
              />
            </div>
            <p className="mt-1.5 text-xs text-slate-600">
              <span className={`font-medium ${over ? "text-red-700" : "text-slate-900"}`}>{percent(budget.usedPercent)} used</span>
              {s.isCurrentMonth && (
                <>
                  {" "}
                  · <span className={forecastOver ? "font-medium text-red-700" : undefined}>{percent(budget.forecastPercent ?? 0)} forecast</span>
                </>
              )}
              {s.team && (
                <span className="block text-slate-500">
                  {budget.mode === "hard" ? "Requests that do not fit are denied." : "Over it, requests need an admin's approval."}
                </span>
              )}
            </p>
          </>
        )}
      </section>
    </div>
  );
}

function Details({ summary: s, tag, onTag }: { summary: CostSummary; tag: string; onTag: (tag: string) => void }) {
  const tagKeys = s.byTag.keys.includes(tag) ? s.byTag.keys : [...s.byTag.keys, tag].sort();
  const tagSelectId = useId();
  return (
    <>
      <section aria-labelledby="cost-daily" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="cost-daily" className="mb-3 text-sm font-semibold text-slate-800">
          Daily cost, {monthLabel(s.month)}
        </h2>
        <CostChart summary={s} />
      </section>

      <div className="grid gap-4 lg:grid-cols-3">
        <BreakdownTable label="By template" keyHeader="Template" rows={s.byTemplate} />
        <BreakdownTable label="By tier" keyHeader="Tier" rows={s.byTier} />
        <BreakdownTable
          label={`By tag: ${s.byTag.key}`}
          keyHeader={s.byTag.key}
          rows={s.byTag.rows}
          controls={
            <div className="flex items-center gap-2 text-xs text-slate-600">
              <label htmlFor={tagSelectId}>Tag</label>
              <select
                id={tagSelectId}
                value={tag}
                onChange={(e) => onTag(e.target.value)}
                className="rounded-md border-0 bg-white py-1 pl-2 pr-7 text-xs text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-brand-500"
              >
                {tagKeys.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
          }
        />
      </div>
      {!s.team && s.byTeam.length > 0 && <BreakdownTable label="By team" keyHeader="Team" rows={s.byTeam} />}

      <section aria-labelledby="cost-top" className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
        <h2 id="cost-top" className="border-b border-slate-100 px-4 py-3 text-sm font-semibold text-slate-800">
          Top environments {s.isCurrentMonth ? "this month" : `in ${monthLabel(s.month)}`}
        </h2>
        <div className="overflow-x-auto">
          <table aria-label="Top environments by cost" className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  Environment
                </th>
                {!s.team && (
                  <th scope="col" className="hidden px-4 py-2 font-medium md:table-cell">
                    Team
                  </th>
                )}
                <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
                  Template
                </th>
                <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
                  Tier
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Status
                </th>
                <th scope="col" className="px-4 py-2 text-right font-medium">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {s.topEnvironments.map((e) => (
                <tr key={e.id}>
                  <th scope="row" className="px-4 py-2 font-medium">
                    <Link href={`/environments/${e.id}`} className="text-brand-700 hover:underline">
                      {e.name}
                    </Link>
                  </th>
                  {!s.team && <td className="hidden px-4 py-2 text-slate-700 md:table-cell">{e.teamName}</td>}
                  <td className="hidden px-4 py-2 text-slate-700 sm:table-cell">{e.templateName}</td>
                  <td className="hidden px-4 py-2 text-slate-700 sm:table-cell">{e.tier}</td>
                  <td className="px-4 py-2">
                    <Badge tone={e.status === "ready" ? "green" : e.status === "failed" ? "red" : e.status === "destroyed" ? "slate" : "brand"}>
                      {e.status}
                    </Badge>
                  </td>
                  <td className="px-4 py-2 text-right tabular-nums text-slate-900">{formatCentsExact(e.cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

export function CostsSkeleton() {
  return (
    <div role="status" aria-label="Loading costs" className="space-y-6">
      <div className="grid gap-4 md:grid-cols-3">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} className="h-32 w-full" />
        ))}
      </div>
      <Skeleton className="h-80 w-full" />
      <div className="grid gap-4 lg:grid-cols-3">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} className="h-40 w-full" />
        ))}
      </div>
    </div>
  );
}
