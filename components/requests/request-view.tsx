"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { ConfirmDialog } from "~/components/curation/confirm-dialog";
import { formatDateTime, formatHours } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button, buttonClass } from "~/components/ui/button";
import { inputClass } from "~/components/ui/form";
import { Badge, Card } from "~/components/ui/page";
import { tierTones } from "~/components/catalog/format";
import { RelativeTime } from "~/components/ui/relative-time";
import { commentInput } from "~/server/schemas/requests";
import type { ParameterSpec } from "~/server/schemas/template-parameters";
import { ApprovalsProgress } from "./approvals-progress";
import { DecideDialog, decidedMessage, type Decision } from "./decide-dialog";
import { BudgetBar, DecisionPanel, QuotaTable } from "./decision";
import { shownRequestStatus } from "./format";
import { CostFigures, PlanResources } from "./plan-view";
import { PlanVsApplied } from "./plan-vs-applied";
import { RequestTerraformPlan } from "./terraform-plan";
import { UpdateChangeCard } from "~/components/updates/update-change-card";
import { EditPendingChange } from "~/components/updates/edit-pending-change";
import { Timeline } from "./timeline";
import { AwaitingWorker } from "~/components/runs/awaiting-worker";
import { EnvironmentPanel } from "~/components/runs/environment-panel";
import type { Plan, RequestDetail } from "./types";

function ParameterValues({ specs, values }: { specs: ParameterSpec[]; values: Record<string, unknown> }) {
  const known = new Set(specs.map((p) => p.name));
  const rows: [string, string, string][] = [
    ...specs.map((p): [string, string, string] => [
      p.name,
      p.title,
      values[p.name] === undefined ? "–" : `${String(values[p.name])}${p.unit ? ` ${p.unit}` : ""}`,
    ]),
    ...Object.entries(values)
      .filter(([k]) => !known.has(k))
      .map(([k, v]): [string, string, string] => [k, k, String(v)]),
  ];
  if (rows.length === 0) return <p className="text-sm text-slate-600">This template has no parameters.</p>;
  return (
    <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
      {rows.map(([name, title, value]) => (
        <div key={name} className="min-w-0">
          <dt className="text-xs font-medium text-slate-500">{title}</dt>
          <dd className="break-words text-slate-900">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Comments({ detail }: { detail: RequestDetail }) {
  const trpc = useTRPC();
  const router = useRouter();
  const id = useId();
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const add = useMutation(
    trpc.requests.comment.mutationOptions({
      onSuccess: () => {
        setBody("");
        router.refresh();
      },
      onError: (e) => setError(e.message),
    }),
  );
  return (
    <div className="space-y-4">
      {detail.comments.length === 0 ? (
        <p className="text-sm text-slate-600">No comments yet.</p>
      ) : (
        <ul aria-label="Comments" className="space-y-3">
          {detail.comments.map((c) => (
            <li key={c.id} className="rounded-md bg-slate-50 px-3 py-2">
              <p className="text-xs text-slate-500">
                <span className="font-medium text-slate-800">{c.authorName}</span> · <RelativeTime at={c.createdAt} />
              </p>
              <p className="mt-0.5 whitespace-pre-line break-words text-sm text-slate-800">{c.body}</p>
            </li>
          ))}
        </ul>
      )}
      {detail.capabilities.canComment && (
        <form
          noValidate
          aria-label="Add a comment"
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            const parsed = commentInput.safeParse({ requestId: detail.request.id, body });
            if (!parsed.success) {
              setError(`Comment ${parsed.error.issues[0]?.message ?? "is not valid"}`);
              return;
            }
            setError(null);
            add.mutate(parsed.data);
          }}
        >
          <label htmlFor={id} className="block text-sm font-medium text-slate-800">
            Your comment
          </label>
          <textarea
            id={id}
            rows={2}
            className={inputClass}
            value={body}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => setBody(e.target.value)}
          />
          {error && (
            <p id={`${id}-error`} className="text-xs font-medium text-red-700">
              {error}
            </p>
          )}
          <Button type="submit" variant="secondary" busy={add.isPending}>
            Comment
          </Button>
        </form>
      )}
    </div>
  );
}

/** One request: who asked for what, what it costs, what the policy decided, who approved, and everything that happened. */
export function RequestView({ detail, viewerIsApprover }: { detail: RequestDetail; viewerIsApprover: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { request, capabilities: can, decision } = detail;
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [cancelReason, setCancelReason] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const cancel = useMutation(
    trpc.requests.cancel.mutationOptions({
      onSuccess: () => {
        setCancelling(false);
        setNotice(`${request.label} cancelled.`);
        void queryClient.invalidateQueries({ queryKey: trpc.requests.pathKey() });
        router.refresh();
      },
    }),
  );
  const pending = request.status === "pending_approval";
  const shown = shownRequestStatus(request.status, detail.runs[0]?.status);
  const names: Record<string, string> = { [detail.requester.email]: detail.requester.name };
  for (const a of detail.approvals) names[a.approverEmail] = a.approverName;
  const plan = request.plan as Plan;

  return (
    <div className="space-y-6">
      <div>
        <Link href="/requests" className="text-sm text-brand-700 hover:underline">
          ← Requests
        </Link>
        <header className="mt-3 flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-5">
          <div className="min-w-0">
            <p className="font-mono text-sm text-slate-500">{request.label}</p>
            <h1 className="mt-0.5 break-all text-2xl font-semibold tracking-tight text-slate-900">{request.environmentName}</h1>
            <p className="mt-2 flex flex-wrap items-center gap-1.5">
              <span className="sr-only">Status:</span>
              <Badge tone={shown.tone}>{shown.label}</Badge>
              <span className="sr-only">Tier:</span>
              <Badge tone={tierTones[request.tier]}>{request.tier}</Badge>
            </p>
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
              <span>
                requested by {detail.requester.name} <RelativeTime at={request.submittedAt} />
              </span>
            </p>
          </div>
          {(can.canApprove || can.canReject || can.canEdit || can.canCancel) && (
            <div className="flex flex-wrap gap-2" role="group" aria-label="Actions">
              {can.canApprove && <Button onClick={() => setDeciding("approved")}>Approve</Button>}
              {can.canReject && (
                <Button variant="danger" onClick={() => setDeciding("rejected")}>
                  Reject
                </Button>
              )}
              {can.canEdit && request.kind === "update" && (
                <EditPendingChange detail={detail} onSaved={(message) => (setNotice(message), router.refresh())} />
              )}
              {can.canEdit && request.kind !== "update" && (
                <Link href={`/requests/${request.id}/edit`} className={buttonClass("secondary")}>
                  Edit
                </Link>
              )}
              {can.canCancel && (
                <Button variant="secondary" onClick={() => setCancelling(true)}>
                  Cancel request
                </Button>
              )}
            </div>
          )}
        </header>
      </div>

      {detail.extension && request.kind === "extend" && (
        <section aria-label="Extension" className="rounded-md border border-brand-200 bg-brand-50 px-4 py-3 text-sm text-slate-800">
          <p className="font-semibold text-slate-900">
            Extends{" "}
            <Link href={`/environments/${detail.extension.environmentId}`} className="text-brand-700 hover:underline">
              {detail.extension.name}
            </Link>{" "}
            by {formatHours(detail.extension.hours)}
          </p>
          <p className="mt-0.5">
            {request.status === "applied"
              ? `Applied: it now expires ${formatDateTime(detail.extension.expiresAt)}.`
              : request.status === "pending_approval"
                ? `It expires ${formatDateTime(detail.extension.expiresAt)}; once approved, ${formatDateTime(new Date(new Date(detail.extension.expiresAt).getTime() + detail.extension.hours * 3_600_000))}.`
                : `The environment expires ${formatDateTime(detail.extension.expiresAt)}.`}
          </p>
        </section>
      )}

      {notice && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm font-medium text-emerald-800">
          {notice}
        </div>
      )}
      {viewerIsApprover && pending && !can.canApprove && can.whyNot && (
        <div
          role="note"
          aria-label="Why you cannot approve"
          className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
        >
          <p className="font-semibold">You cannot approve this request</p>
          <p className="mt-0.5">{can.whyNot.charAt(0).toUpperCase() + can.whyNot.slice(1)}.</p>
        </div>
      )}

      {/* Mobile: details and decision, then the approvals and plan, then budget and quotas; wide: the last two groups share the right column. */}
      <div className="grid items-start gap-6 lg:grid-cols-3 lg:grid-rows-[auto_1fr]">
        <div className="min-w-0 space-y-6 lg:col-start-3 lg:row-start-1">
          <Card title="Details">
            <dl className="space-y-3 text-sm">
              <div>
                <dt className="text-xs font-medium text-slate-500">Justification</dt>
                <dd className="mt-0.5 whitespace-pre-line break-words text-slate-900">{request.justification}</dd>
              </div>
              <div>
                <dt className="text-xs font-medium text-slate-500">{detail.extension ? "Adds" : "Lifetime"}</dt>
                <dd className="mt-0.5 text-slate-900">{formatHours(request.ttlHours)}</dd>
              </div>
              <div>
                <dt className="text-xs font-medium text-slate-500">Submitted</dt>
                <dd className="mt-0.5 text-slate-900">{formatDateTime(request.submittedAt)}</dd>
              </div>
              {request.decidedAt && (
                <div>
                  <dt className="text-xs font-medium text-slate-500">Decided</dt>
                  <dd className="mt-0.5 text-slate-900">{formatDateTime(request.decidedAt)}</dd>
                </div>
              )}
              <div>
                <dt className="text-xs font-medium text-slate-500">Requester</dt>
                <dd className="mt-0.5 break-words text-slate-900">
                  {detail.requester.name} <span className="text-slate-500">({detail.requester.email})</span>
                </dd>
              </div>
            </dl>
          </Card>
          <Card title="Policy decision">
            <DecisionPanel decision={decision} context="request" />
          </Card>
        </div>
        <div className="min-w-0 space-y-6 lg:col-span-2 lg:col-start-1 lg:row-span-2 lg:row-start-1">
          {detail.environment ? (
            <Card title="Provisioning">
              <EnvironmentPanel environment={detail.environment} runs={detail.runs} />
            </Card>
          ) : (
            (request.status === "queued" || request.status === "approved") && (
              <Card title="Provisioning">
                <AwaitingWorker />
              </Card>
            )
          )}
          <Card title="Approvals">
            <ApprovalsProgress stages={decision.stages} progress={detail.progress} approvals={detail.approvals} status={request.status} />
          </Card>
          <Card title="Plan and cost">
            <CostFigures
              cost={{
                hourlyMicros: request.hourlyMicros,
                monthlyCents: request.monthlyCents,
                ttlHours: request.ttlHours,
                overTtlCents: request.overTtlCents,
                monthShareCents: request.monthShareCents,
              }}
            />
            <div className="mt-4 border-t border-slate-100 pt-2">
              <PlanResources plan={plan} />
            </div>
          </Card>
          {request.kind === "update" && <UpdateChangeCard plan={request.plan} environment={detail.extension} />}
          {detail.template.engineCapabilities.planPreview && <RequestTerraformPlan requestId={request.id} />}
          {detail.template.engineCapabilities.planPreview && <PlanVsApplied requestId={request.id} status={request.status} />}
          <Card title="Parameters">
            <ParameterValues specs={detail.template.parameters as ParameterSpec[]} values={request.parameters} />
          </Card>
          <Card title="Comments">
            <Comments detail={detail} />
          </Card>
          <Card title="Timeline">
            <Timeline events={detail.timeline} names={names} comments={Object.fromEntries(detail.comments.map((c) => [c.id, c.body]))} />
          </Card>
        </div>
        <div className="min-w-0 space-y-6 lg:col-start-3 lg:row-start-2">
          <Card title="Budget at submit">
            <BudgetBar budget={decision.budget} />
          </Card>
          <Card title="Quotas at submit">
            <QuotaTable quotas={decision.quotas} />
          </Card>
        </div>
      </div>

      <DecideDialog
        request={{ id: request.id, version: request.version, label: request.label }}
        decision={deciding}
        onClose={() => setDeciding(null)}
        onDecided={(d, result) => {
          setDeciding(null);
          setNotice(decidedMessage(request.label, d, result));
          void queryClient.invalidateQueries({ queryKey: trpc.approvals.inbox.queryKey() });
          router.refresh();
        }}
      />
      <ConfirmDialog
        open={cancelling}
        title={`Cancel ${request.label}?`}
        confirmLabel="Cancel request"
        dismissLabel="Keep request"
        variant="danger"
        busy={cancel.isPending}
        error={cancel.error?.message ?? null}
        errorTitle="Not cancelled"
        onCancel={() => {
          setCancelling(false);
          cancel.reset();
        }}
        onConfirm={() => cancel.mutate({ requestId: request.id, expectedVersion: request.version, reason: cancelReason })}
      >
        <p>The request stops here: nothing is provisioned, and the name {request.environmentName} is free again.</p>
        <label className="block">
          <span className="mb-1 block font-medium text-slate-800">Reason (optional)</span>
          <input className={inputClass} value={cancelReason} maxLength={500} onChange={(e) => setCancelReason(e.target.value)} />
        </label>
      </ConfirmDialog>
    </div>
  );
}
