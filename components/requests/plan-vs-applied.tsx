"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useEffect } from "react";
import { formatTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Badge, Card, ErrorNotice } from "~/components/ui/page";
import type { AppRouter } from "~/server/api/root";

type SavedPlan = inferRouterOutputs<AppRouter>["requests"]["savedPlans"][number];

const statusWords = {
  approved: ["Approved plan, not applied yet", "green"],
  applied: ["Applied as approved", "green"],
  superseded: ["Replaced by a new plan", "slate"],
  needs_approval: ["Changed: needs approval", "red"],
} as const;

const show = (value: unknown) => (value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

function Diff({ plan }: { plan: SavedPlan }) {
  if (plan.diff.length === 0) return <p className="text-sm text-slate-600">No changes planned.</p>;
  return (
    <ul aria-label="Planned changes" className="space-y-1 text-xs">
      {plan.diff.map((d) => (
        <li key={d.address}>
          <span className="font-medium">{d.action}</span> <code className="break-all font-mono text-slate-900">{d.address}</code>
          {d.action !== "create" && d.values.length > 0 && (
            <ul className="ml-4 list-disc text-slate-600">
              {d.values.map((v) => (
                <li key={v.path} className="break-all">
                  {v.path}: {show(v.before)} → {show(v.after)}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Terraform requests: the plan that was approved next to what the run applied, and any re-plan. */
export function PlanVsApplied({ requestId, status }: { requestId: string; status: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.requests.savedPlans.queryOptions({ requestId }));
  const { refetch } = query;
  // Plans are saved and applied by the run: read them again whenever the request's status moves.
  useEffect(() => {
    void refetch();
  }, [status, refetch]);
  if (query.error) return <ErrorNotice title="Saved plans could not be loaded" message={query.error.message} />;
  if (!query.data)
    return (
      <Card title="Plan vs applied">
        <p role="status" className="px-5 py-4 text-sm text-slate-600">
          Loading the saved plans…
        </p>
      </Card>
    );
  return (
    <Card title="Plan vs applied">
      <div className="space-y-4 px-5 py-4">
        {query.data.length === 0 ? (
          <p className="text-sm text-slate-600">No plan saved yet: the apply saves the plan it applies, and applies nothing else.</p>
        ) : (
          query.data.map((plan) => {
            const [words, tone] = statusWords[plan.status];
            return (
              <section
                key={plan.id}
                aria-label={`Plan of ${formatTime(plan.createdAt)}`}
                className="space-y-2 border-b border-slate-100 pb-3 last:border-0"
              >
                <p className="flex flex-wrap items-center gap-2 text-sm">
                  <Badge tone={tone}>{words}</Badge>
                  <span className="text-slate-500">planned {formatTime(plan.createdAt)}</span>
                </p>
                {plan.changes && plan.changes.length > 0 && (
                  <div role="note" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-900">
                    <p className="font-semibold">What changed since the approved plan:</p>
                    <ul className="list-disc pl-4">
                      {plan.changes.map((c) => (
                        <li key={c} className="break-all">
                          {c}
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
                <Diff plan={plan} />
                {plan.applied && (
                  <p className="text-xs text-slate-600">
                    Applied {plan.appliedAt ? formatTime(plan.appliedAt) : ""}: {plan.applied.resources.length} resources
                    {plan.applied.outputs.length ? `, outputs ${plan.applied.outputs.join(", ")}` : ""}.
                  </p>
                )}
              </section>
            );
          })
        )}
      </div>
    </Card>
  );
}
