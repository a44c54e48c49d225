"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { tierTones } from "~/components/catalog/format";
import { formatCents } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { formatRelative } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button, buttonClass, Spinner } from "~/components/ui/button";
import { FilterBar, FilterSelect, ListSkeleton, ScopeTabs } from "~/components/ui/list-controls";
import { RelativeTime } from "~/components/ui/relative-time";
import { useUrlQuery } from "~/components/ui/use-url-query";
import { Badge, EmptyState, ErrorNotice } from "~/components/ui/page";
import { requestStatuses, type RequestStatus } from "~/db/vocabulary";
import { tiers, type Tier } from "~/server/templates/format";
import { statusLabel, statusTone } from "./format";
import type { RequestListInput, TeamOption } from "./types";

type Scope = "mine" | "teams";
type Status = RequestStatus;
type Query = { scope: Scope; status: Status | null; tier: Tier | null; team: string | null; q: string };

function parseQuery(params: URLSearchParams, teams: TeamOption[]): Query {
  const status = params.get("status");
  const tier = params.get("tier");
  const team = params.get("team");
  return {
    scope: params.get("scope") === "teams" ? "teams" : "mine",
    status: requestStatuses.includes(status as Status) ? (status as Status) : null,
    tier: tiers.includes(tier as Tier) ? (tier as Tier) : null,
    team: teams.some((t) => t.id === team) ? team : null,
    q: params.get("q") ?? "",
  };
}

function queryString(q: Query): string {
  const params = new URLSearchParams();
  if (q.scope !== "mine") params.set("scope", q.scope);
  if (q.status) params.set("status", q.status);
  if (q.tier) params.set("tier", q.tier);
  if (q.team) params.set("team", q.team);
  if (q.q.trim()) params.set("q", q.q.trim());
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** My requests and my teams' requests: tabs, filters and search in the URL, newest first, more on demand. */
export function RequestsBrowser({ teams, oversees }: { teams: TeamOption[]; oversees: boolean }) {
  const trpc = useTRPC();
  const { query, search, setSearch, navigate, update } = useUrlQuery((params) => parseQuery(params, teams), queryString);

  const input: RequestListInput = {
    scope: query.scope,
    status: query.status ?? undefined,
    tier: query.tier ?? undefined,
    teamId: query.team ?? undefined,
    search: query.q.trim() || undefined,
    limit: 25,
  };
  const list = useInfiniteQuery({
    ...trpc.requests.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.pages.flatMap((p) => p.requests) ?? [];
  const filtered = query.status !== null || query.tier !== null || query.team !== null || query.q.trim() !== "";
  const scopes: [Scope, string][] = [
    ["mine", "My requests"],
    ["teams", oversees ? "All teams" : "My teams"],
  ];

  return (
    <div className="space-y-5">
      <ScopeTabs label="Whose requests" scopes={scopes} value={query.scope} onChange={(scope) => update({ scope })} />

      <FilterBar
        label="Filter requests"
        columns="lg:grid-cols-[minmax(0,1fr)_11rem_8rem_12rem]"
        search={search}
        placeholder="Name, template or REQ-12"
        onSearchChange={setSearch}
        onSearch={() => update({ q: search })}
      >
        <FilterSelect
          label="Status"
          anyLabel="Any status"
          value={query.status}
          options={requestStatuses.map((s) => ({ value: s, label: statusLabel(s) }))}
          onChange={(status) => update({ status })}
        />
        <FilterSelect label="Tier" anyLabel="Any tier" value={query.tier} options={tiers} onChange={(tier) => update({ tier })} />
        <FilterSelect
          label="Team"
          anyLabel="Any team"
          value={query.team}
          options={teams.map((t) => ({ value: t.id, label: t.name }))}
          onChange={(team) => update({ team })}
        />
      </FilterBar>

      {list.error ? (
        <ErrorNotice title="Requests could not be loaded" message={list.error.message} />
      ) : !list.data ? (
        <ListSkeleton label="Loading requests" />
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No requests match"
            action={
              <Button
                variant="secondary"
                onClick={() => {
                  setSearch("");
                  navigate({ scope: query.scope, status: null, tier: null, team: null, q: "" });
                }}
              >
                Clear filters
              </Button>
            }
          >
            Try another status, tier, team or search.
          </EmptyState>
        ) : (
          <EmptyState
            title={query.scope === "mine" ? "You have not requested anything yet" : "No requests yet"}
            action={
              <Link href="/catalog" className={buttonClass("primary")}>
                Browse the catalog
              </Link>
            }
          >
            Pick a template in the catalog to request an environment for one of your teams.
          </EmptyState>
        )
      ) : (
        <div className={`space-y-4 transition-opacity ${list.isFetching && !list.isFetchingNextPage ? "opacity-60" : ""}`}>
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
            <table aria-label="Requests" className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-2.5 font-medium">
                    Request
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium sm:table-cell">
                    Status
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium md:table-cell">
                    Team
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 font-medium lg:table-cell">
                    Template
                  </th>
                  {query.scope === "teams" && (
                    <th scope="col" className="hidden px-4 py-2.5 font-medium sm:table-cell">
                      Requester
                    </th>
                  )}
                  <th scope="col" className="px-4 py-2.5 text-right font-medium">
                    Monthly
                  </th>
                  <th scope="col" className="hidden px-4 py-2.5 text-right font-medium sm:table-cell">
                    Submitted
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((r) => (
                  <tr key={r.id} className="align-top hover:bg-slate-50">
                    <th scope="row" className="min-w-44 px-4 py-3 font-normal">
                      <Link href={`/requests/${r.id}`} className="font-medium text-brand-700 hover:underline">
                        <span className="whitespace-nowrap font-mono text-xs text-slate-500">{r.label}</span>{" "}
                        <span className="break-words">{r.environmentName}</span>
                      </Link>
                      <span className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500">
                        <span className="whitespace-nowrap sm:hidden">
                          <Badge tone={statusTone(r.status)}>{statusLabel(r.status)}</Badge>
                        </span>
                        <Badge tone={tierTones[r.tier]}>{r.tier}</Badge>
                        <span className="md:hidden">{r.teamName}</span>
                        <span className="sm:hidden" suppressHydrationWarning>
                          {formatRelative(r.submittedAt)}
                        </span>
                      </span>
                    </th>
                    <td className="hidden whitespace-nowrap px-4 py-3 sm:table-cell">
                      <Badge tone={statusTone(r.status)}>{statusLabel(r.status)}</Badge>
                    </td>
                    <td className="hidden px-4 py-3 text-slate-700 md:table-cell">{r.teamName}</td>
                    <td className="hidden whitespace-nowrap px-4 py-3 lg:table-cell">
                      <span className="font-mono text-xs text-slate-700">
                        {r.templateName}@{r.templateVersion}
                      </span>
                    </td>
                    {query.scope === "teams" && <td className="hidden px-4 py-3 text-slate-700 sm:table-cell">{r.requesterName}</td>}
                    <td className="whitespace-nowrap px-4 py-3 text-right tabular-nums text-slate-900">{formatCents(r.monthlyCents)}</td>
                    <td className="hidden whitespace-nowrap px-4 py-3 text-right text-slate-600 sm:table-cell">
                      <RelativeTime at={r.submittedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="flex items-center justify-between gap-3 text-sm text-slate-600">
            <p role="status">
              {plural(rows.length, "request")} shown{list.hasNextPage ? "; there are more" : ""}
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
