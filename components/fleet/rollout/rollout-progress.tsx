"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { formatDateTime } from "~/components/format/time";
import { useLiveConnected } from "~/components/live/live-status";
import { useTRPC } from "~/components/trpc/client";
import { Button, Spinner } from "~/components/ui/button";
import { ErrorNotice } from "~/components/ui/page";
import { RolloutStatusBadge, TargetStatusBadge } from "./status-badge";
import { batchName, isOpen } from "./types";

/**
 * How often an open rollout is read again while the live stream is down. While it is up, every
 * change to the rollout (a result, a batch, a halt) arrives by push and re-reads it (LiveUpdates).
 */
const FALLBACK_POLL_MS = 1_500;

/** A rollout's live progress: batches with each environment's result, the halt reason, and (admins) pause, resume, cancel. */
export function RolloutProgress({ rolloutId, canManage }: { rolloutId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const live = useLiveConnected();
  const rollout = useQuery({
    ...trpc.fleetRollouts.get.queryOptions({ rolloutId }),
    staleTime: 0,
    refetchInterval: (query) =>
      live || (query.state.data && !isOpen(query.state.data.status) && query.state.data.counts.running === 0) ? false : FALLBACK_POLL_MS,
  });
  const [error, setError] = useState<string | null>(null);
  const options = {
    onSuccess: () => {
      setError(null);
      void queryClient.invalidateQueries({ queryKey: trpc.fleetRollouts.pathKey() });
    },
    onError: (e: { message: string }) => setError(e.message),
  };
  const pause = useMutation(trpc.fleetRollouts.pause.mutationOptions(options));
  const resume = useMutation(trpc.fleetRollouts.resume.mutationOptions(options));
  const cancel = useMutation(trpc.fleetRollouts.cancel.mutationOptions(options));

  if (rollout.error) return <ErrorNotice title="Rollout not loaded" message={rollout.error.message} />;
  if (!rollout.data) return <Spinner label="Loading the rollout…" />;
  const r = rollout.data;
  const batches = [...new Set(r.targets.map((t) => t.batch))].sort((a, b) => (a ?? -1) - (b ?? -1));
  const busy = pause.isPending || resume.isPending || cancel.isPending;
  return (
    <section aria-label={`Rollout of ${r.templateName} ${r.targetVersion}`} className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h3 className="text-base font-semibold">
          Rollout of {r.templateName} {r.targetVersion}
        </h3>
        <span role="status" aria-label="Rollout status">
          <RolloutStatusBadge status={r.status} />
        </span>
        <span className="text-sm text-slate-600">
          started by {r.startedBy}, {formatDateTime(r.createdAt)}; {r.batchCount} batches (canary {r.canarySize}, then {r.batchSize} each)
        </span>
      </div>
      <p className="text-sm text-slate-700" role="status" aria-label="Rollout counts">
        {r.counts.succeeded} updated, {r.counts.failed} failed, {r.counts.running} running, {r.counts.awaiting_approval} awaiting approval,{" "}
        {r.counts.pending} pending, {r.counts.skipped} skipped
        {isOpen(r.status) && ` — ${batchName(r.currentBatch).toLowerCase()} under way`}
      </p>
      {r.haltReason && <ErrorNotice title="Halted" message={r.haltReason} />}
      {r.approvalSkipReason && <p className="text-sm text-slate-600">Approvals skipped: {r.approvalSkipReason}</p>}
      {error && <ErrorNotice title="Not changed" message={error} />}
      {canManage && isOpen(r.status) && (
        <div className="flex flex-wrap gap-2">
          {r.status === "running" && (
            <Button variant="secondary" busy={pause.isPending} disabled={busy} onClick={() => pause.mutate({ rolloutId })}>
              Pause
            </Button>
          )}
          {(r.status === "paused" || r.status === "halted") && (
            <Button busy={resume.isPending} disabled={busy} onClick={() => resume.mutate({ rolloutId })}>
              Resume
            </Button>
          )}
          <Button variant="danger" busy={cancel.isPending} disabled={busy} onClick={() => cancel.mutate({ rolloutId })}>
            Cancel rollout
          </Button>
        </div>
      )}
      {batches.map((batch) => (
        <div key={batch ?? "none"}>
          <h4 className="text-sm font-semibold text-slate-800">{batch === null ? "Skipped before any batch" : batchName(batch)}</h4>
          <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label={`${batchName(batch)} environments`}>
            <table className="w-full text-left text-sm">
              <caption className="sr-only">{batchName(batch)}</caption>
              <thead className="text-xs text-slate-500 uppercase">
                <tr>
                  {["Environment", "Tier", "Team", "From", "Result", "Request", "Why"].map((h) => (
                    <th key={h} scope="col" className="py-1 pr-3 font-medium">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {r.targets
                  .filter((t) => t.batch === batch)
                  .map((t) => (
                    <tr key={t.environmentId} data-environment={t.name}>
                      <td className="py-2 pr-3">
                        <Link href={`/environments/${t.environmentId}`} className="text-brand-700 hover:underline">
                          {t.name}
                        </Link>
                      </td>
                      <td className="py-2 pr-3">{t.tier}</td>
                      <td className="py-2 pr-3">{t.teamName}</td>
                      <td className="py-2 pr-3 font-mono">{t.fromVersion}</td>
                      <td className="py-2 pr-3">
                        <TargetStatusBadge status={t.status} rolledBack={t.rolledBack} />
                      </td>
                      <td className="py-2 pr-3">
                        {t.requestId ? (
                          <Link href={`/requests/${t.requestId}`} className="text-brand-700 underline">
                            {t.request}
                          </Link>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td className="max-w-md py-2 pr-3 text-slate-600">{t.reason ?? ""}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </section>
  );
}
