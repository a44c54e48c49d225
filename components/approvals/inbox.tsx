"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { tierTones } from "~/components/catalog/format";
import { formatCents } from "~/components/format/money";
import { formatHours } from "~/components/format/time";
import { commentError, decidedMessage, type Decision } from "~/components/requests/decide-dialog";
import { ReasonList } from "~/components/requests/decision";
import { stageProgress, stageWho } from "~/components/requests/format";
import type { InboxItem } from "~/components/requests/types";
import { useTRPC } from "~/components/trpc/client";
import { InboxPlan } from "./inbox-plan";
import { Button } from "~/components/ui/button";
import { inputClass } from "~/components/ui/form";
import { Badge, EmptyState, ErrorNotice, Skeleton } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";

function progressText(item: InboxItem): string {
  const i = item.progress.currentStage;
  const stage = i === null ? undefined : item.decision.stages[i];
  if (i === null || !stage) return item.progress.complete ? "Fully approved" : "No approval pending";
  const total = item.decision.stages.length;
  return `${stageProgress(stage, item.progress.remaining[i] ?? stage.count)}${total > 1 ? ` (stage ${i + 1} of ${total})` : ""}`;
}

function budgetImpact(item: InboxItem): string {
  const b = item.decision.budget;
  if (b.remainingAfterCents < 0)
    return `${formatCents(b.thisRequestCents)} this month: ${formatCents(-b.remainingAfterCents)} over the ${formatCents(b.limitCents)} budget`;
  return `${formatCents(b.thisRequestCents)} this month; leaves ${formatCents(b.remainingAfterCents)} of ${formatCents(b.limitCents)}`;
}

function InboxCard({ item, onDecided }: { item: InboxItem; onDecided: (message: string) => void }) {
  const trpc = useTRPC();
  const id = useId();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const decide = useMutation(
    trpc.approvals.decide.mutationOptions({
      onSuccess: (result, input) => onDecided(decidedMessage(item.label, input.decision, result)),
    }),
  );
  const act = (decision: Decision) => {
    const problem = commentError(item.id, item.version, decision, comment);
    setError(problem);
    if (problem) return;
    decide.mutate({ requestId: item.id, expectedVersion: item.version, decision, comment });
  };
  const headingId = `${id}-heading`;
  return (
    <article aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-100 px-5 py-4">
        <div className="min-w-0">
          <h2 id={headingId} className="text-base font-semibold text-slate-900">
            <Link href={`/requests/${item.id}`} className="hover:underline">
              <span className="font-mono text-sm font-normal text-slate-500">{item.label}</span>{" "}
              <span className="break-words">{item.environmentName}</span>
              {item.kind === "extend" && <span className="font-normal text-slate-600"> — extend by {formatHours(item.ttlHours)}</span>}
            </Link>
          </h2>
          <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-slate-600">
            <Badge tone={tierTones[item.tier]}>{item.tier}</Badge>
            <span>{item.teamName}</span>
            <span aria-hidden className="hidden sm:inline">
              ·
            </span>
            <span className="font-mono text-xs">
              {item.templateName}@{item.templateVersion}
            </span>
            <span aria-hidden className="hidden sm:inline">
              ·
            </span>
            <span>
              by {item.requesterName} <RelativeTime at={item.submittedAt} />
            </span>
          </p>
        </div>
        <span className="whitespace-nowrap rounded-full bg-amber-50 px-2.5 py-1 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-200">
          {progressText(item)}
        </span>
      </header>

      <div className="grid gap-5 px-5 py-4 md:grid-cols-2">
        <div className="space-y-4">
          <dl className="grid grid-cols-2 gap-3 text-sm">
            <div>
              <dt className="text-xs font-medium text-slate-500">Monthly</dt>
              <dd className="font-semibold tabular-nums text-slate-900">{formatCents(item.monthlyCents)}</dd>
            </div>
            <div>
              <dt className="text-xs font-medium text-slate-500">Over {formatHours(item.ttlHours)}</dt>
              <dd className="font-semibold tabular-nums text-slate-900">{formatCents(item.overTtlCents)}</dd>
            </div>
            <div className="col-span-2">
              <dt className="text-xs font-medium text-slate-500">Budget of {item.teamName}</dt>
              <dd className={item.decision.budget.remainingAfterCents < 0 ? "font-medium text-red-700" : "text-slate-800"}>{budgetImpact(item)}</dd>
            </div>
          </dl>
          <div>
            <h3 className="text-xs font-medium text-slate-500">Justification</h3>
            <blockquote className="mt-0.5 whitespace-pre-line break-words border-l-2 border-slate-200 pl-2 text-sm text-slate-800">
              {item.justification}
            </blockquote>
          </div>
        </div>
        <div className="space-y-3">
          <div>
            <h3 className="mb-1 text-xs font-medium text-slate-500">Needs</h3>
            <p className="text-sm text-slate-800">{item.decision.stages.map((s) => stageWho(s)).join(", then ")}</p>
          </div>
          <div>
            <h3 className="mb-1 text-xs font-medium text-slate-500">Policy reasons</h3>
            <ReasonList reasons={item.decision.reasons} label={`Policy reasons for ${item.label}`} />
          </div>
        </div>
      </div>

      <InboxPlan item={item} />

      <form
        noValidate
        aria-label={`Decide on ${item.label}`}
        className="space-y-3 border-t border-slate-100 bg-slate-50 px-5 py-4"
        onSubmit={(e) => {
          e.preventDefault();
          act("approved");
        }}
      >
        <div>
          <label htmlFor={`${id}-comment`} className="mb-1 block text-sm font-medium text-slate-800">
            Comment <span className="font-normal text-slate-500">(required to reject)</span>
          </label>
          <textarea
            id={`${id}-comment`}
            rows={2}
            className={inputClass}
            value={comment}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => {
              setComment(e.target.value);
              setError(null);
            }}
          />
          {error && (
            <p id={`${id}-error`} className="mt-1 text-xs font-medium text-red-700">
              {error}
            </p>
          )}
        </div>
        {decide.error && <ErrorNotice title="Not decided" message={decide.error.message} />}
        <div className="flex flex-wrap gap-2">
          {item.capabilities.canApprove && (
            <Button type="submit" busy={decide.isPending && decide.variables.decision === "approved"} disabled={decide.isPending}>
              Approve
            </Button>
          )}
          {item.capabilities.canReject && (
            <Button
              type="button"
              variant="danger"
              busy={decide.isPending && decide.variables.decision === "rejected"}
              disabled={decide.isPending}
              onClick={() => act("rejected")}
            >
              Reject
            </Button>
          )}
        </div>
      </form>
    </article>
  );
}

/** Pending requests the viewer may decide on, with everything needed to decide; the rest listed with the reason they are not theirs to decide. */
export function ApprovalInbox() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inbox = useQuery(trpc.approvals.inbox.queryOptions());
  const [notice, setNotice] = useState<string | null>(null);

  if (inbox.error) return <ErrorNotice title="The inbox could not be loaded" message={inbox.error.message} />;
  if (!inbox.data) {
    return (
      <div role="status" aria-label="Loading the inbox" className="space-y-4">
        <Skeleton className="h-48 w-full" />
        <Skeleton className="h-48 w-full" />
      </div>
    );
  }
  const mine = inbox.data.filter((i) => i.capabilities.canApprove || i.capabilities.canReject);
  const others = inbox.data.filter((i) => !i.capabilities.canApprove && !i.capabilities.canReject);
  const onDecided = (message: string) => {
    setNotice(message);
    void queryClient.invalidateQueries({ queryKey: trpc.approvals.inbox.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.requests.pathKey() });
  };

  return (
    <div className="space-y-6">
      <p
        role="status"
        className={notice ? "rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm font-medium text-emerald-800" : "sr-only"}
      >
        {notice ?? ""}
      </p>
      {mine.length === 0 ? (
        <EmptyState title="Nothing waits for you">Requests of your teams that need your approval appear here.</EmptyState>
      ) : (
        <section aria-label="Waiting for your decision" className="space-y-4">
          <h2 className="text-sm font-semibold text-slate-700">
            Waiting for your decision <span className="font-normal text-slate-500">({mine.length})</span>
          </h2>
          {mine.map((item) => (
            <InboxCard key={`${item.id}-${item.version}`} item={item} onDecided={onDecided} />
          ))}
        </section>
      )}
      {others.length > 0 && (
        <section aria-label="Not yours to decide" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-700">
            Pending, but not yours to decide now <span className="font-normal text-slate-500">({others.length})</span>
          </h2>
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm">
            {others.map((item) => (
              <li key={item.id} className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 px-4 py-3 text-sm">
                <div className="min-w-0">
                  <Link href={`/requests/${item.id}`} className="font-medium text-brand-700 hover:underline">
                    <span className="font-mono text-xs text-slate-500">{item.label}</span> {item.environmentName}
                    {item.kind === "extend" && ` — extend by ${formatHours(item.ttlHours)}`}
                  </Link>
                  <span className="text-slate-600">
                    {" "}
                    · {item.tier} · {item.teamName} · by {item.requesterName}
                  </span>
                  <p className="text-slate-700">
                    {item.capabilities.whyNot
                      ? item.capabilities.whyNot.charAt(0).toUpperCase() + item.capabilities.whyNot.slice(1)
                      : "Not yours to decide."}
                  </p>
                </div>
                <span className="whitespace-nowrap text-xs text-slate-500">{progressText(item)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
