"use client";

import { SourceLink } from "./source-link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { tierTones } from "~/components/catalog/format";
import { formatCents, formatCentsExact, formatMicrosPerHour } from "~/components/format/money";
import { formatDateTime, formatHours } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Badge, Card, ErrorNotice } from "~/components/ui/page";
import { ChangeEnvironment, changeNotice } from "~/components/updates/change-dialog";
import { ExpiryCountdown } from "./countdown";
import { DriftPanel } from "~/components/drift/drift-panel";
import { DestroyDialog } from "./destroy-dialog";
import { ExtendDialog, type ExtensionResult } from "./extend-dialog";
import { destroyReasonLabels, environmentStatusLabels, environmentStatusTones } from "./format";
import { OutputsPanel } from "./outputs-panel";
import { ResourcesTable } from "./resources-table";
import { RunHistory } from "./run-history";
import type { EnvironmentDetail } from "./types";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="mt-0.5 break-words text-sm text-slate-900">{children}</dd>
    </div>
  );
}

/** The status line: announced when it changes (a destroy or retry the page follows live). */
function StatusLine({ detail }: { detail: EnvironmentDetail }) {
  const { environment } = detail;
  return (
    <p className="mt-2 flex flex-wrap items-center gap-1.5">
      <span role="status" aria-live="polite" className="inline-flex items-center gap-1.5">
        <span className="sr-only">Status:</span>
        <Badge tone={environmentStatusTones[environment.status]}>{environmentStatusLabels[environment.status]}</Badge>
      </span>
      <span className="sr-only">Tier:</span>
      <Badge tone={tierTones[environment.tier]}>{environment.tier}</Badge>
    </p>
  );
}

function ExpiryCard({ detail }: { detail: EnvironmentDetail }) {
  const { environment } = detail;
  if (environment.status === "destroyed") {
    return (
      <Card title="Expiry">
        <p className="text-sm text-slate-700">Destroyed {formatDateTime(environment.destroyedAt)}.</p>
      </Card>
    );
  }
  return (
    <Card title="Expiry">
      <p className="text-2xl font-semibold tracking-tight">
        <ExpiryCountdown expiresAt={environment.expiresAt} />
      </p>
      <p className="mt-1 text-sm text-slate-600">Expires {formatDateTime(environment.expiresAt)}; then it is destroyed automatically.</p>
      <p className="mt-1 text-xs text-slate-500">Requested for {formatHours(detail.request.ttlHours)}.</p>
    </Card>
  );
}

function CostCard({ detail }: { detail: EnvironmentDetail }) {
  const { cost } = detail;
  return (
    <Card title="Cost">
      <dl className="grid grid-cols-2 gap-4">
        <div className="col-span-2">
          <dt className="text-xs font-medium text-slate-500">Accrued so far</dt>
          <dd className="mt-0.5 text-2xl font-semibold tabular-nums tracking-tight text-slate-900">{formatCentsExact(cost.accruedCents)}</dd>
        </div>
        <Fact label="Per hour now">{cost.hourlyMicros > 0 ? formatMicrosPerHour(cost.hourlyMicros).replace("/h", "") : "nothing running"}</Fact>
        <Fact label="Per month">
          <span className="tabular-nums">{formatCents(cost.monthlyCents)}</span> <span className="text-xs text-slate-500">(730 h)</span>
        </Fact>
      </dl>
      {cost.plannedHourlyMicros !== cost.hourlyMicros && detail.environment.status !== "destroyed" && (
        <p className="mt-3 text-xs text-slate-500">
          Planned at {formatMicrosPerHour(cost.plannedHourlyMicros)} ({formatCents(cost.plannedMonthlyCents)} a month) when everything runs.
        </p>
      )}
    </Card>
  );
}

function DetailsCard({ detail }: { detail: EnvironmentDetail }) {
  const { environment } = detail;
  return (
    <Card title="Details">
      <dl className="grid grid-cols-2 gap-3">
        <Fact label="Engine">{environment.engineTitle}</Fact>
        <Fact label="Created">{formatDateTime(environment.createdAt)}</Fact>
        {environment.readyAt && <Fact label="Ready">{formatDateTime(environment.readyAt)}</Fact>}
        {environment.destroyReason && (
          <Fact label="Destroyed because">
            {destroyReasonLabels[environment.destroyReason] ?? environment.destroyReason}
            {environment.destroyRequestedBy && ` (${environment.destroyRequestedBy.name})`}
          </Fact>
        )}
        <Fact label="On a failed apply">
          {environment.onFailure === "keep" ? "keep what was created, for debugging" : "clean up what was created"}
        </Fact>
        <Fact label="Request">
          <Link href={`/requests/${detail.request.id}`} className="text-brand-700 hover:underline">
            {detail.request.label}
          </Link>
        </Fact>
      </dl>
    </Card>
  );
}

/**
 * One environment: status, expiry, cost, resources with their tags, outputs (secrets on purpose
 * only), runs with live logs, and the actions the viewer may take. Server-rendered data; after
 * an action the page refreshes and follows the new run live until it ends.
 */
export function EnvironmentView({ detail, viewerId, readOnly }: { detail: EnvironmentDetail; viewerId: string; readOnly: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { environment, capabilities: can } = detail;
  const [destroying, setDestroying] = useState(false);
  const [extending, setExtending] = useState(false);
  const [notice, setNotice] = useState<ReactNode>(null);
  const retry = useMutation(
    trpc.environments.retry.mutationOptions({
      onSuccess: () => {
        setNotice(`Retry queued: the apply starts again and adopts what already exists. Follow it under Runs.`);
        void queryClient.invalidateQueries({ queryKey: trpc.environments.list.pathKey() });
        router.refresh();
      },
    }),
  );
  const showActions = !readOnly && environment.status !== "destroyed" && environment.status !== "destroying";

  return (
    <div className="space-y-6">
      <div>
        <Link href="/environments" className="text-sm text-brand-700 hover:underline">
          ← Environments
        </Link>
        <header className="mt-3 flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-5">
          <div className="min-w-0">
            <h1 className="break-all text-2xl font-semibold tracking-tight text-slate-900">{environment.name}</h1>
            <StatusLine detail={detail} />
            {detail.request.source && <SourceLink source={detail.request.source} />}
            <p className="mt-2 flex flex-col gap-y-0.5 text-sm text-slate-600 sm:flex-row sm:flex-wrap sm:gap-x-2">
              <span>{detail.team.name}</span>
              <span aria-hidden className="hidden sm:inline">
                ·
              </span>
              <Link href={`/catalog/${detail.template.name}`} className="text-brand-700 hover:underline">
                {detail.template.title}{" "}
                <span className="font-mono">
                  {detail.template.name}@{detail.template.version}
                </span>
              </Link>
              <span aria-hidden className="hidden sm:inline">
                ·
              </span>
              <span>owned by {detail.owner.name}</span>
            </p>
          </div>
          {showActions && (
            <div className="flex flex-wrap gap-2" role="group" aria-label="Actions">
              {can.canExtend && environment.status === "ready" && (
                <ChangeEnvironment
                  key={detail.pendingChange ? `${detail.pendingChange.requestId}:${detail.pendingChange.expectedVersion}` : "new"}
                  environmentId={environment.id}
                  environmentName={environment.name}
                  editing={detail.pendingChange ?? undefined}
                  onDone={(r) => (setNotice(changeNotice(r)), router.refresh())}
                />
              )}
              {can.canExtend && (
                <Button variant="secondary" onClick={() => setExtending(true)}>
                  Extend
                </Button>
              )}
              {can.canRetry && (
                <Button variant="secondary" busy={retry.isPending} onClick={() => retry.mutate({ environmentId: environment.id })}>
                  Retry
                </Button>
              )}
              {can.canDestroy && (
                <Button variant="danger" onClick={() => setDestroying(true)}>
                  Destroy
                </Button>
              )}
            </div>
          )}
        </header>
      </div>

      {notice && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm font-medium text-emerald-800">
          {notice}
        </div>
      )}
      {retry.error && <ErrorNotice title="Not retried" message={retry.error.message} />}
      {environment.failureSummary && environment.status === "failed" && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          <p className="font-medium">{environment.status === "failed" ? "The last run failed" : "Failure"}</p>
          <p className="mt-0.5 break-words">{environment.failureSummary}</p>
          {!can.canRetry && can.retryWhyNot && environment.status === "failed" && <p className="mt-1 text-xs">{can.retryWhyNot}</p>}
        </div>
      )}
      {environment.status === "destroying" && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          Being destroyed{environment.destroyRequestedBy ? ` at the request of ${environment.destroyRequestedBy.name}` : ""}: resources disappear
          below as the run deletes them.
        </p>
      )}

      {/* The facts at a glance first (one column on phones), then what it holds, full width for the resources table. */}
      <div className="grid items-start gap-6 md:grid-cols-2 xl:grid-cols-3">
        <ExpiryCard detail={detail} />
        <CostCard detail={detail} />
        <div className="md:col-span-2 xl:col-span-1">
          <DetailsCard detail={detail} />
        </div>
      </div>
      <Card title="Resources">
        <ResourcesTable resources={detail.resources} />
      </Card>
      <Card title="Outputs">
        <OutputsPanel
          environmentId={environment.id}
          outputs={detail.outputs}
          canReveal={can.canRevealSecrets}
          revealWhyNot={can.revealWhyNot}
          secretsUnreadable={detail.secretsUnreadable}
        />
      </Card>
      {environment.status === "ready" && <DriftPanel environmentId={environment.id} readOnly={readOnly} />}
      <Card title="Runs">
        <RunHistory runs={detail.runs} />
      </Card>

      <ExtendDialog
        open={extending}
        environment={environment}
        onClose={() => setExtending(false)}
        onExtended={(result: ExtensionResult) => {
          setExtending(false);
          setNotice(
            result.status === "applied" ? (
              <>
                Extended: {environment.name} now expires {formatDateTime(result.expiresAt)}.
              </>
            ) : (
              <>
                <Link href={`/requests/${result.requestId}`} className="underline">
                  {result.number}
                </Link>{" "}
                asks for approval: the expiry moves when it is approved.
              </>
            ),
          );
          void queryClient.invalidateQueries({ queryKey: trpc.environments.list.pathKey() });
          router.refresh();
        }}
      />
      <DestroyDialog
        open={destroying}
        detail={detail}
        viewerId={viewerId}
        onClose={() => setDestroying(false)}
        onDestroyed={() => {
          setDestroying(false);
          setNotice(`Destroying ${environment.name}: the run deletes its resources now. Follow it under Runs.`);
          void queryClient.invalidateQueries({ queryKey: trpc.environments.list.pathKey() });
          router.refresh();
        }}
      />
    </div>
  );
}
