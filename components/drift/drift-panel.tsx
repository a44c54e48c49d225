"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatDateTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Badge, Card, ErrorNotice } from "~/components/ui/page";
import { DriftAccept } from "./drift-accept";
import { DriftDiff } from "./drift-diff";
import { ReasonForm } from "./reason-form";

const resultWords = { in_sync: "In sync", drifted: "Drifted", failed: "Check failed" } as const;
const resultTones = { in_sync: "green", drifted: "amber", failed: "red" } as const;

/** The environment page's drift panel: state, per-resource diff, history, and the actions the viewer may take. */
export function DriftPanel({ environmentId, readOnly }: { environmentId: string; readOnly: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const drift = useQuery(trpc.drift.get.queryOptions({ environmentId }, { refetchInterval: (q) => (q.state.data?.activeRun ? 2_000 : false) }));
  const [open, setOpen] = useState<"reconcile" | "acknowledge" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.drift.get.queryKey({ environmentId }) });
  const done = (message: string) => {
    setNotice(message);
    setOpen(null);
    void refresh();
  };
  const checkNow = useMutation(
    trpc.drift.checkNow.mutationOptions({ onSuccess: () => done("Drift check queued."), onError: (e) => setNotice(e.message) }),
  );
  const reconcile = useMutation(
    trpc.drift.requestReconcile.mutationOptions({
      onSuccess: (r) =>
        done(r.status === "applied" ? "Reconcile queued (no approval needed)." : `Reconcile requested: ${r.number} waits for approval.`),
    }),
  );
  const acknowledge = useMutation(trpc.drift.acknowledge.mutationOptions({ onSuccess: () => done("Drift acknowledged.") }));
  const chaos = useMutation(
    trpc.drift.simChaos.mutationOptions({
      onSuccess: (r) => done(`Chaos: ${r.changes.map((c) => `${c.type} ${c.resourceId} ${c.detail}`).join("; ")}`),
      onError: (e) => setNotice(e.message),
    }),
  );

  if (drift.isPending)
    return (
      <Card title="Drift">
        <p className="text-sm text-slate-500" role="status">
          Loading drift…
        </p>
      </Card>
    );
  if (drift.isError)
    return (
      <Card title="Drift">
        <ErrorNotice message={drift.error.message} />
      </Card>
    );
  const d = drift.data;
  const report = d.report;
  const busy = d.activeRun !== null;
  return (
    <Card title="Drift">
      <div className="space-y-3 p-4 text-sm" data-testid="drift-panel">
        <p className="flex flex-wrap items-center gap-2" aria-live="polite">
          {d.status ? <Badge tone={resultTones[d.status]}>{resultWords[d.status]}</Badge> : <Badge>Not checked yet</Badge>}
          {d.driftedSince && <span>Drifted since {formatDateTime(d.driftedSince)}</span>}
          {d.status === "failed" && d.failureReason && <span className="text-red-700">({d.failureReason})</span>}
          {d.acknowledgement && (
            <Badge tone="slate">
              Acknowledged until {formatDateTime(d.acknowledgement.until)}: {d.acknowledgement.reason}
            </Badge>
          )}
          {busy && <span role="status">A {d.activeRun!.kind} run is in progress…</span>}
        </p>
        <p className="text-xs text-slate-500">
          Last checked {d.checkedAt ? formatDateTime(d.checkedAt) : "never"}; next check{" "}
          {d.nextCheckAt ? formatDateTime(d.nextCheckAt) : "not scheduled yet"}.
        </p>
        {report && report.resources.length > 0 && <DriftDiff report={report} />}
        {!readOnly && (
          <div className="flex flex-wrap gap-2">
            {d.can.check && (
              <Button variant="secondary" busy={checkNow.isPending} disabled={busy} onClick={() => checkNow.mutate({ environmentId })}>
                Check now
              </Button>
            )}
            {d.can.reconcile && d.status === "drifted" && (
              <Button
                variant="primary"
                disabled={busy}
                onClick={() => setOpen(open === "reconcile" ? null : "reconcile")}
                aria-expanded={open === "reconcile"}
              >
                Request reconcile
              </Button>
            )}
            {d.can.acknowledge && d.status === "drifted" && !d.acknowledgement && (
              <Button
                variant="secondary"
                onClick={() => setOpen(open === "acknowledge" ? null : "acknowledge")}
                aria-expanded={open === "acknowledge"}
              >
                Acknowledge
              </Button>
            )}
            {d.can.chaos && (
              <Button variant="danger" busy={chaos.isPending} disabled={busy} onClick={() => chaos.mutate({ environmentId, kind: "property" })}>
                Chaos: drift a resource
              </Button>
            )}
          </div>
        )}
        {!readOnly && d.can.accept && d.status === "drifted" && d.accept && (
          <DriftAccept environmentId={environmentId} accept={d.accept} disabled={busy} onDone={done} />
        )}
        {open === "reconcile" && (
          <ReasonForm
            label="Send reconcile request"
            busy={reconcile.isPending}
            error={reconcile.error?.message ?? null}
            onSubmit={(reason) => reconcile.mutate({ environmentId, reason })}
          />
        )}
        {open === "acknowledge" && (
          <ReasonForm
            label="Acknowledge drift"
            withHours
            busy={acknowledge.isPending}
            error={acknowledge.error?.message ?? null}
            onSubmit={(reason, hours) => acknowledge.mutate({ environmentId, reason, hours })}
          />
        )}
        {notice && (
          <p role="status" className="text-sm text-slate-700">
            {notice}
          </p>
        )}
        <details>
          <summary className="cursor-pointer text-sm font-medium">History of checks ({d.history.length})</summary>
          {d.history.length === 0 ? (
            <p className="mt-2 text-slate-500">No drift check has run yet.</p>
          ) : (
            <table className="mt-2 w-full text-left text-xs">
              <thead>
                <tr>
                  <th scope="col">Checked</th>
                  <th scope="col">Result</th>
                  <th scope="col">Resources</th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {d.history.map((h) => (
                  <tr key={h.id}>
                    <td>{formatDateTime(h.checkedAt)}</td>
                    <td>
                      {resultWords[h.result]}
                      {h.failureReason ? `: ${h.failureReason}` : ""}
                    </td>
                    <td>{h.resources}</td>
                    <td>{h.runId ? <span title={h.runId}>{h.runId.slice(0, 8)}</span> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </details>
      </div>
    </Card>
  );
}
