"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState } from "react";
import { useWatch } from "react-hook-form";
import { formatCents } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { formatHours } from "~/components/format/time";
import { BudgetBar, OutcomeBadge, ReasonList } from "~/components/requests/decision";
import { newUuid } from "~/components/requests/request-form";
import { ParameterFields, useParameterForm } from "~/components/templates/parameter-form";
import { useTRPC } from "~/components/trpc/client";
import { Button, Spinner } from "~/components/ui/button";
import { inputClass } from "~/components/ui/form";
import { Modal } from "~/components/ui/modal";
import { ErrorNotice } from "~/components/ui/page";
import type { ParameterSpec } from "~/server/schemas/template-parameters";
import { PlanDiffTable, signedCents } from "./plan-diff";

type Values = Record<string, string | number | boolean>;
export type ChangeResult = { requestId: string; number: string; status: string; approvalsCleared?: number };

/** What the page says once a change is submitted or an edit saved. */
export function changeNotice(r: ChangeResult): string {
  const next = r.status === "queued" ? "the change is being applied; follow it under Runs." : "the change waits for approval.";
  if (r.approvalsCleared === undefined) return `${r.number}: ${next}`;
  const cleared = r.approvalsCleared > 0 ? `${plural(r.approvalsCleared, "approval")} cleared` : "no approvals to clear";
  return `${r.number} saved (${cleared}): ${next}`;
}

/** A pending change its requester edits: the form starts from it, and saving it clears the approvals given so far. */
export type EditedChange = {
  requestId: string;
  label: string;
  expectedVersion: number;
  templateVersion: string;
  parameters: Values;
  justification: string;
  liveApprovals: number;
};

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/** Only what differs from what the environment runs with now. */
function changedValues(current: Values, next: Record<string, unknown>): Values {
  const out: Values = {};
  for (const [name, value] of Object.entries(next)) {
    if (value === undefined || value === "" || (typeof value === "number" && Number.isNaN(value))) continue;
    if (current[name] !== value) out[name] = value as string | number | boolean;
  }
  return out;
}

function ChangeForm(props: {
  environmentId: string;
  specs: readonly ParameterSpec[];
  current: Values;
  currentVersion: string;
  versions: string[];
  editing?: EditedChange;
  onDone: (result: ChangeResult) => void;
}) {
  const trpc = useTRPC();
  const { editing } = props;
  // Editing starts from the pending change; the diff is always against what the environment runs with now.
  const form = useParameterForm(props.specs, editing ? { ...props.current, ...editing.parameters } : props.current);
  const watched = useWatch({ control: form.control });
  const [version, setVersion] = useState(editing?.templateVersion ?? props.currentVersion);
  const [confirm, setConfirm] = useState(false);
  const [justification, setJustification] = useState(editing?.justification ?? "");
  const [clientRequestId, setClientRequestId] = useState(newUuid);
  const versionId = useId();
  const justificationId = useId();
  const confirmId = useId();
  const { current } = props;
  const parameters = useMemo(() => changedValues(current, watched), [current, watched]);
  // Debounced by value (a string), so a re-render with equal inputs schedules nothing new.
  const wanted = JSON.stringify({
    environmentId: props.environmentId,
    parameters,
    templateVersion: version === props.currentVersion ? undefined : version,
    editingRequestId: editing?.requestId,
  });
  const debounced = useDebounced(wanted, 300);
  const input = useMemo(
    () => JSON.parse(debounced) as { environmentId: string; parameters: Values; templateVersion?: string; editingRequestId?: string },
    [debounced],
  );
  const preview = useQuery({ ...trpc.updates.preview.queryOptions(input), placeholderData: keepPreviousData, retry: false, staleTime: 0 });
  const submit = useMutation(
    trpc.updates.request.mutationOptions({
      onSuccess: (result) => {
        setClientRequestId(newUuid());
        props.onDone(result);
      },
    }),
  );
  const edit = useMutation(
    trpc.updates.edit.mutationOptions({
      onSuccess: (result) =>
        props.onDone({ requestId: result.id, number: editing?.label ?? "", status: result.status, approvalsCleared: result.approvalsCleared }),
    }),
  );
  const saving = editing ? edit : submit;
  const p = preview.data;
  const needsConfirm = (p?.needsConfirmation.length ?? 0) > 0;
  const blocked = p?.blockedBy;
  const canSubmit =
    p && !p.unchanged && p.decision.outcome !== "denied" && !blocked && (!needsConfirm || confirm) && justification.trim().length >= 10;

  return (
    <form
      noValidate
      aria-label="Change environment"
      className="space-y-5"
      onSubmit={form.handleSubmit(() => {
        const change = { templateVersion: input.templateVersion, parameters, confirmDestructive: confirm || undefined, justification };
        if (editing) edit.mutate({ ...change, requestId: editing.requestId, expectedVersion: editing.expectedVersion });
        else submit.mutate({ ...change, environmentId: props.environmentId, clientRequestId });
      })}
    >
      <div className="grid gap-6 lg:grid-cols-2">
        <div className="space-y-4">
          <div>
            <label htmlFor={versionId} className="block text-sm font-medium text-slate-900">
              Template version
            </label>
            <select id={versionId} className={`${inputClass} mt-1`} value={version} onChange={(e) => setVersion(e.target.value)}>
              {props.versions.map((v) => (
                <option key={v} value={v}>
                  {v}
                  {v === props.currentVersion ? " (current)" : ""}
                </option>
              ))}
            </select>
          </div>
          <ParameterFields parameters={props.specs} form={form} />
        </div>
        <section aria-label="Preview of the change" className="space-y-4">
          {preview.isFetching && (
            <p className="flex items-center gap-2 text-sm text-slate-600" role="status">
              <Spinner /> Planning the change…
            </p>
          )}
          {preview.error && <ErrorNotice title="Cannot plan this change" message={preview.error.message} />}
          {p && (
            <>
              <div>
                <h3 className="text-sm font-semibold text-slate-900">Plan diff</h3>
                {p.unchanged ? (
                  <p className="text-sm text-slate-600">Nothing changes yet: pick another value or version.</p>
                ) : (
                  <PlanDiffTable diff={p.diff} />
                )}
              </div>
              <div>
                <h3 className="text-sm font-semibold text-slate-900">Cost</h3>
                <dl className="mt-1 grid grid-cols-2 gap-1 text-sm" aria-label="Cost delta">
                  <dt className="text-slate-600">Per month</dt>
                  <dd>
                    {formatCents(p.cost.monthlyCentsBefore)} → {formatCents(p.cost.monthlyCents)} ({signedCents(p.cost.monthlyDeltaCents)})
                  </dd>
                  <dt className="text-slate-600">Over the remaining {formatHours(p.cost.remainingHours)}</dt>
                  <dd>{signedCents(p.cost.remainingDeltaCents)}</dd>
                </dl>
              </div>
              <div>
                <h3 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
                  Policy <OutcomeBadge outcome={p.decision.outcome} />
                </h3>
                <ReasonList reasons={p.decision.reasons} />
                <div className="mt-2">
                  <BudgetBar budget={p.decision.budget} />
                </div>
              </div>
              {blocked && <ErrorNotice title="Another change is open" message={`${blocked.number} already changes this environment.`} />}
              {needsConfirm && (
                <div className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">
                  <input id={confirmId} type="checkbox" className="mr-2" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} />
                  <label htmlFor={confirmId}>
                    I understand that {p.needsConfirmation.join(", ")} will be replaced or deleted and the data it holds will be lost.
                  </label>
                </div>
              )}
            </>
          )}
        </section>
      </div>
      <div>
        <label htmlFor={justificationId} className="block text-sm font-medium text-slate-900">
          Why this change
        </label>
        <textarea
          id={justificationId}
          className={`${inputClass} mt-1`}
          rows={2}
          value={justification}
          onChange={(e) => setJustification(e.target.value)}
          placeholder="At least 10 characters"
        />
      </div>
      {editing && (
        <p role="note" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {editing.liveApprovals > 0
            ? `Saving clears the ${plural(editing.liveApprovals, "approval")} given so far: the approvers decide again on the edited change.`
            : "Nobody has approved it yet; saving checks it against the policy again."}
        </p>
      )}
      {saving.error && <ErrorNotice title={editing ? "Not saved" : "Not submitted"} message={saving.error.message} />}
      <div className="flex justify-end">
        <Button type="submit" disabled={!canSubmit} busy={saving.isPending}>
          {editing ? "Save change" : p?.decision.outcome === "auto_approved" ? "Apply change" : "Request change"}
        </Button>
      </div>
    </form>
  );
}

/**
 * "Change" on an environment page: the request form prefilled with what the environment runs
 * with now (version and parameters), and a live preview of the plan diff, cost delta and policy
 * decision. A stateful resource that would be replaced or deleted must be confirmed. With
 * `editing` it is "Edit change" of the requester's pending change: the form starts from it and
 * says that saving clears the approvals given so far.
 */
export function ChangeEnvironment({
  environmentId,
  environmentName,
  editing,
  onDone,
}: {
  environmentId: string;
  environmentName: string;
  editing?: EditedChange;
  onDone: (result: ChangeResult) => void;
}) {
  const trpc = useTRPC();
  const titleId = useId();
  const [open, setOpen] = useState(false);
  const base = useQuery({
    ...trpc.updates.preview.queryOptions({ environmentId, parameters: {}, editingRequestId: editing?.requestId }),
    enabled: open,
    retry: false,
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        {editing ? "Edit change" : "Change"}
      </Button>
      <Modal open={open} labelledBy={titleId} size="xl" onClose={() => setOpen(false)}>
        <div className="space-y-4 p-5">
          <div className="flex items-start justify-between gap-4">
            <h2 id={titleId} className="text-lg font-semibold text-slate-900">
              {editing ? `Edit ${editing.label}: change ${environmentName}` : `Change ${environmentName}`}
            </h2>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Close
            </Button>
          </div>
          {base.isPending && (
            <p className="flex items-center gap-2 text-sm text-slate-600" role="status">
              <Spinner /> Loading what it runs with now…
            </p>
          )}
          {base.error && <ErrorNotice title="Cannot change it now" message={base.error.message} />}
          {base.data && (
            <ChangeForm
              // Starts again only when what the environment runs with changed (a cached answer is replaced on opening).
              key={`${base.data.from.version} ${JSON.stringify(base.data.from.parameters)}`}
              environmentId={environmentId}
              specs={base.data.parameterSpecs}
              current={base.data.from.parameters}
              currentVersion={base.data.from.version}
              versions={base.data.versions}
              editing={editing}
              onDone={(result) => {
                setOpen(false);
                onDone(result);
              }}
            />
          )}
        </div>
      </Modal>
    </>
  );
}
