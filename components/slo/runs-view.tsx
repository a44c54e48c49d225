"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/components/trpc/client";
import { Card, ErrorNotice, Skeleton } from "~/components/ui/page";
import { SloControls, SloTabs, useSloQuery } from "./controls";
import { causeLabels, type RangePreset } from "./query";
import { RunTable } from "./run-table";
import type { SloTeamOption } from "./types";
import { useSearchParams } from "next/navigation";

const defaults = { range: "24h" as RangePreset, team: "all" };
const statuses = ["queued", "running", "succeeded", "failed", "cancelled"] as const;

/** The runs behind a number on the dashboards: same team, range and filters. */
export function RunsView({ teams, allowAll }: { teams: SloTeamOption[]; allowAll: boolean }) {
  const trpc = useTRPC();
  const params = useSearchParams();
  const { query, from, update } = useSloQuery(defaults);
  const status = statuses.find((s) => s === params.get("status"));
  const cause = params.get("cause") && params.get("cause")! in causeLabels ? (params.get("cause") as keyof typeof causeLabels) : undefined;
  const order = params.get("order") === "slowest" ? "slowest" : "recent";
  const data = useQuery(
    trpc.slo.runs.queryOptions({
      teamId: query.team,
      from,
      template: query.template || undefined,
      engine: query.engine || undefined,
      tier: (query.tier || undefined) as "dev" | "staging" | "prod" | undefined,
      status,
      cause: cause as "rate_limit" | undefined,
      order,
    }),
  );
  const title = [status ?? "all", "runs", cause ? `caused by ${causeLabels[cause]?.toLowerCase()}` : "", order === "slowest" ? "(slowest first)" : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <>
      <SloTabs query={query} />
      <SloControls query={query} update={update} teams={teams} allowAll={allowAll} />
      {data.error ? (
        <ErrorNotice message={data.error.message} />
      ) : !data.data ? (
        <Skeleton className="h-40 w-full" />
      ) : (
        <Card title={`${title[0]!.toUpperCase()}${title.slice(1)}: ${data.data.length}${data.data.length === 200 ? "+" : ""}`}>
          <RunTable runs={data.data} caption={title} empty="No run matches these filters in this range." />
        </Card>
      )}
    </>
  );
}
