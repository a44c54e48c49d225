"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDateTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Card, ErrorNotice, Skeleton } from "~/components/ui/page";
import { RolloutPlanner } from "./rollout-planner";
import { RolloutProgress } from "./rollout-progress";
import { RolloutStatusBadge } from "./status-badge";
import { isOpen } from "./types";

/**
 * The fleet page's rollout section (issue 14): admins plan and run a rollout, admins and auditors
 * follow it live and read past ones. Rendered only for them (the page checks the role).
 */
export function FleetRollouts({ templateName, canManage }: { templateName: string; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({ ...trpc.fleetRollouts.list.queryOptions({ templateName }), staleTime: 0 });
  const [shown, setShown] = useState<string | null>(null);
  if (list.error) return <ErrorNotice title="Rollouts not loaded" message={list.error.message} />;
  if (!list.data)
    return (
      <Card title="Rollouts">
        <Skeleton className="h-24 w-full" />
      </Card>
    );
  const open = list.data.rollouts.find((r) => isOpen(r.status));
  const current = shown ?? open?.id ?? null;
  const past = list.data.rollouts.filter((r) => r.id !== current);
  return (
    <div className="space-y-6">
      {current ? (
        <Card title="Rollout">
          <RolloutProgress rolloutId={current} canManage={canManage} />
        </Card>
      ) : (
        canManage && (
          <Card title="Roll out a version">
            <RolloutPlanner
              templateName={templateName}
              versions={list.data.versions}
              onStarted={(id) => {
                setShown(id);
                void queryClient.invalidateQueries({ queryKey: trpc.fleetRollouts.list.pathKey() });
              }}
            />
          </Card>
        )
      )}
      <Card title="Past rollouts">
        {past.length === 0 ? (
          <p className="text-sm text-slate-600">No other rollout of {templateName} yet.</p>
        ) : (
          <ul aria-label="Past rollouts" className="divide-y divide-slate-100 text-sm">
            {past.map((r) => (
              <li key={r.id} className="flex flex-wrap items-center gap-2 py-2">
                <span className="font-mono">{r.targetVersion}</span>
                <RolloutStatusBadge status={r.status} />
                <span className="text-slate-600">
                  {formatDateTime(r.createdAt)} by {r.startedBy}: {r.counts.succeeded} updated, {r.counts.failed} failed, {r.counts.skipped} skipped
                </span>
                <button type="button" className="text-brand-700 underline" onClick={() => setShown(r.id)}>
                  Show
                </button>
              </li>
            ))}
          </ul>
        )}
        {shown && (
          <button type="button" className="mt-3 text-sm text-brand-700 underline" onClick={() => setShown(null)}>
            Back to {open ? "the open rollout" : "planning a rollout"}
          </button>
        )}
      </Card>
    </div>
  );
}
