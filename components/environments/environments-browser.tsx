"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import { tierTones } from "~/components/catalog/format";
import { formatCentsExact, formatMicrosPerHour } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { useTRPC } from "~/components/trpc/client";
import { Button, buttonClass, Spinner } from "~/components/ui/button";
import { FilterBar, FilterSelect, ListSkeleton, ScopeTabs } from "~/components/ui/list-controls";
import { useUrlQuery } from "~/components/ui/use-url-query";
import { Badge, EmptyState, ErrorNotice } from "~/components/ui/page";
import { environmentStatuses, type EnvironmentStatus } from "~/db/vocabulary";
import { templateNamePattern, tiers, type Tier } from "~/server/templates/format";
import { ExpiryCountdown } from "./countdown";
import { environmentStatusLabels, environmentStatusTones } from "./format";
import type { EnvironmentListInput } from "./types";

type Scope = "mine" | "teams";
type Query = { scope: Scope; status: EnvironmentStatus | null; tier: Tier | null; template: string | null; expiring: boolean; q: string };

/** "Expiring soon" is the next 24 hours: the same horizon as the first expiry reminder. */
export const expiringSoonHours = 24;

function parseQuery(params: URLSearchParams): Query {
  const status = params.get("status");
  const tier = params.get("tier");
  const template = params.get("template");
  return {
    scope: params.get("scope") === "teams" ? "teams" : "mine",
    status: environmentStatuses.includes(status as EnvironmentStatus) ? (status as EnvironmentStatus) : null,
    tier: tiers.includes(tier as Tier) ? (tier as Tier) : null,
    template: template && templateNamePattern.test(template) ? template : null,
    expiring: params.get("expiring") === String(expiringSoonHours),
    q: params.get("q") ?? "",
  };
}

function queryString(q: Query): string {
  const params = new URLSearchParams();
  if (q.scope !== "mine") params.set("scope", q.scope);
  if (q.status) params.set("status", q.status);
  if (q.tier) params.set("tier", q.tier);
  if (q.template) params.set("template", q.template);
  if (q.expiring) params.set("expiring", String(expiringSoonHours));
  if (q.q.trim()) params.set("q", q.q.trim());
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** My environments and my teams': tabs, filters and search in the URL, newest first, more on demand. */
export function EnvironmentsBrowser({ oversees }: { oversees: boolean }) {
  const trpc = useTRPC();
  const { query, search, setSearch, navigate, update } = useUrlQuery(parseQuery, queryString);

  const input: EnvironmentListInput = {
    scope: query.scope,
    status: query.status ?? undefined,
    tier: query.tier ?? undefined,
    template: query.template ?? undefined,
    expiringWithinHours: query.expiring ? expiringSoonHours : undefined,
    search: query.q.trim() || undefined,
    limit: 25,
  };
  const list = useInfiniteQuery({
    ...trpc.environments.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.pages.flatMap((p) => p.environments) ?? [];
  // The template choices come with the first page: every template the viewer's environments were made from, whatever the filters.
  const firstNames = list.data?.pages[0]?.templateNames;
  const names = useMemo(
    () => [...new Set([...(firstNames ?? []), ...(query.template ? [query.template] : [])])].sort(),
    [firstNames, query.template],
  );

  const filtered = query.status !== null || query.tier !== null || query.template !== null || query.expiring || query.q.trim() !== "";
  const scopes: [Scope, string][] = [
    ["mine", "My environments"],
    ["teams", oversees ? "All teams" : "My teams"],
  ];

  return (
    <div className="space-y-5">
      <ScopeTabs label="Whose environments" scopes={scopes} value={query.scope} onChange={(scope) => update({ scope })} />

      <FilterBar
        label="Filter environments"
        columns="lg:grid-cols-[minmax(0,1fr)_10rem_8rem_12rem_auto]"
        search={search}
        placeholder="Name or template"
        onSearchChange={setSearch}
        onSearch={() => update({ q: search })}
      >
        <FilterSelect
          label="Status"
          anyLabel="Any status"
          value={query.status}
          options={environmentStatuses.map((s) => ({ value: s, label: environmentStatusLabels[s] }))}
          onChange={(status) => update({ status })}
        />
        <FilterSelect label="Tier" anyLabel="Any tier" value={query.tier} options={tiers} onChange={(tier) => update({ tier })} />
        <FilterSelect label="Template" anyLabel="Any template" value={query.template} options={names} onChange={(template) => update({ template })} />
        <label className="flex items-center gap-2 self-end pb-2 text-sm font-medium text-slate-800">
          <input
            type="checkbox"
            className="size-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500"
            checked={query.expiring}
            onChange={(e) => update({ expiring: e.target.checked })}
          />
          Expiring within 24 h
        </label>
      </FilterBar>

      {list.error ? (
        <ErrorNotice title="Environments could not be loaded" message={list.error.message} />
      ) : !list.data ? (
        <ListSkeleton label="Loading environments" />
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No environments match"
            action={
              <Button
                variant="secondary"
                onClick={() => {
                  setSearch("");
                  navigate({ scope: query.scope, status: null, tier: null, template: null, expiring: false, q: "" });
                }}
              >
                Clear filters
              </Button>
            }
          >
            Try another status, tier, template or search.
          </EmptyState>
        ) : (
          <EmptyState
            title={query.scope === "mine" ? "You have no environments yet" : "No environments in your teams yet"}
            action={
              <Link href="/catalog" className={buttonClass("primary")}>
                Browse the catalog
              </Link>
            }
          >
            Approved requests become environments here once the worker provisions them.
          </EmptyState>
        )
      ) : (
        <div className={`space-y-4 transition-opacity ${list.isFetching && !list.isFetchingNextPage ? "opacity-60" : ""}`}>
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
            <table aria-label="Environments" className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Environment
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium sm:table-cell">
                    Status
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium lg:table-cell">
                    Template
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium md:table-cell">
                    Team
                  </th>
                  {query.scope === "teams" && (
                    <th scope="col" className="hidden px-4 py-2.5 font-medium xl:table-cell">
                      Owner
                    </th>
                  )}
                  <th scope="col" className="hidden px-4 py-2.5 font-medium sm:table-cell">
                    Expires
                  </th>
                  <th scope="col" className="px-4 py-2.5 text-right font-medium">
                    Accrued
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((e) => {
                  const live = e.status !== "destroyed";
                  return (
                    <tr key={e.id} className="align-top hover:bg-slate-50">
                      <th scope="row" className="min-w-44 px-4 py-3 font-normal">
                        <Link href={`/environments/${e.id}`} className="break-words font-medium text-brand-700 hover:underline">
                          {e.name}
                        </Link>
                        <span className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500">
                          <span className="sm:hidden">
                            <Badge tone={environmentStatusTones[e.status]}>{environmentStatusLabels[e.status]}</Badge>
                          </span>
                          <Badge tone={tierTones[e.tier]}>{e.tier}</Badge>
                          <span className="font-mono lg:hidden">
                            {e.templateName}@{e.templateVersion}
                          </span>
                          <span className="md:hidden">{e.teamName}</span>
                          {query.scope === "teams" && <span className="xl:hidden">owner {e.ownerName}</span>}
                          {live && (
                            <span className="sm:hidden">
                              expires <ExpiryCountdown expiresAt={e.expiresAt} intervalMs={30_000} />
                            </span>
                          )}
                        </span>
                      </th>
                      <td className="hidden whitespace-nowrap px-4 py-3 sm:table-cell">
                        <Badge tone={environmentStatusTones[e.status]}>{environmentStatusLabels[e.status]}</Badge>
                      </td>
                      <td className="hidden whitespace-nowrap px-4 py-3 lg:table-cell">
                        <span className="font-mono text-xs text-slate-700">
                          {e.templateName}@{e.templateVersion}
                        </span>
                      </td>
                      <td className="hidden px-4 py-3 text-slate-700 md:table-cell">{e.teamName}</td>
                      {query.scope === "teams" && <td className="hidden px-4 py-3 text-slate-700 xl:table-cell">{e.ownerName}</td>}
                      <td className="hidden whitespace-nowrap px-4 py-3 sm:table-cell">
                        {live ? <ExpiryCountdown expiresAt={e.expiresAt} intervalMs={30_000} /> : <span className="text-slate-500">destroyed</span>}
                      </td>
                      <td className="whitespace-nowrap px-4 py-3 text-right tabular-nums">
                        <span className="block text-slate-900">{formatCentsExact(e.accruedCents)}</span>
                        {e.hourlyMicros > 0 && <span className="block text-xs text-slate-500">{formatMicrosPerHour(e.hourlyMicros)}</span>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="flex items-center justify-between gap-3 text-sm text-slate-600">
            <p role="status">
              {plural(rows.length, "environment")} shown{list.hasNextPage ? "; there are more" : ""}
            </p>
            {list.hasNextPage && (
              <Button variant="secondary" onClick={() => void list.fetchNextPage()} busy={list.isFetchingNextPage}>
                Load more
              </Button>
            )}
            {list.isFetching && !list.isFetchingNextPage && <Spinner label="Updating…" />}
          </div>
        </div>
      )}
    </div>
  );
}
