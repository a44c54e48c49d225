"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useState, type FormEvent } from "react";
import { useTRPC } from "~/components/trpc/client";
import { Button, Spinner } from "~/components/ui/button";
import { Field, Select, TextInput } from "~/components/ui/form";
import { ErrorNotice } from "~/components/ui/page";
import { DryRunTable } from "./dry-run-table";

type Props = { templateName: string; versions: string[]; onStarted: (rolloutId: string) => void };

/** Admins: pick a version → dry run → the staged rollout's settings → start. */
export function RolloutPlanner({ templateName, versions, onStarted }: Props) {
  const trpc = useTRPC();
  const [version, setVersion] = useState(versions[0] ?? "");
  const [planned, setPlanned] = useState<string | null>(null);
  const plan = useQuery({
    ...trpc.fleetRollouts.dryRun.queryOptions({ templateName, targetVersion: planned ?? "0.0.0" }),
    enabled: planned !== null,
    staleTime: 0,
    retry: false,
  });
  if (versions.length === 0) return <p className="text-sm text-slate-600">{templateName} has no published version to roll out.</p>;
  return (
    <div className="space-y-4">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          setPlanned(version);
          if (planned === version) void plan.refetch();
        }}
      >
        <Field label="Version to roll out">
          {({ id }) => (
            <Select id={id} value={version} onChange={(e) => setVersion(e.target.value)}>
              {versions.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Button type="submit" busy={plan.isFetching}>
          Roll out version {version}
        </Button>
      </form>
      {plan.isFetching && !plan.data && <Spinner label="Planning every environment…" />}
      {plan.error && <ErrorNotice title="Dry run failed" message={plan.error.message} />}
      {plan.data && planned && (
        <section aria-label={`Dry run of ${templateName} ${planned}`} className="space-y-4">
          <h3 className="text-base font-semibold">
            Dry run: {templateName} {planned}
          </h3>
          <DryRunTable plan={plan.data} />
          {plan.data.planned.length > 0 && (
            <StartForm
              templateName={templateName}
              version={planned}
              count={plan.data.planned.length}
              stateful={plan.data.totals.statefulReplacements}
              onStarted={onStarted}
            />
          )}
        </section>
      )}
    </div>
  );
}

type FieldErrors = Partial<Record<"canarySize" | "batchSize" | "maxFailures" | "maxFailurePercent" | "reason" | "confirmDestructive", string>>;

function StartForm({
  templateName,
  version,
  count,
  stateful,
  onStarted,
}: { templateName: string; version: string; count: number; stateful: number } & Pick<Props, "onStarted">) {
  const trpc = useTRPC();
  const [canarySize, setCanarySize] = useState("2");
  const [canaryUnit, setCanaryUnit] = useState<"environments" | "percent">("environments");
  const [batchSize, setBatchSize] = useState(String(Math.max(1, Math.ceil(count / 4))));
  const [maxFailures, setMaxFailures] = useState("0");
  const [maxFailurePercent, setMaxFailurePercent] = useState("");
  const [approvalMode, setApprovalMode] = useState<"wait" | "skip">("wait");
  const [reason, setReason] = useState("");
  const [confirm, setConfirm] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const start = useMutation(
    trpc.fleetRollouts.start.mutationOptions({
      onSuccess: (result) => onStarted(result.rolloutId),
      onError: (error) => {
        const data = (error instanceof TRPCClientError ? error.data : null) as { fieldErrors?: Record<string, string[]>; field?: string } | null;
        const next: FieldErrors = {};
        const map: Record<string, keyof FieldErrors> = {
          "canary.size": "canarySize",
          canary: "canarySize",
          batchSize: "batchSize",
          maxFailures: "maxFailures",
          maxFailurePercent: "maxFailurePercent",
          "approvals.reason": "reason",
          approvals: "reason",
          confirmDestructive: "confirmDestructive",
        };
        for (const [field, messages] of Object.entries(data?.fieldErrors ?? {})) {
          const key = map[field];
          if (key && messages[0]) next[key] = messages[0];
        }
        const key = data?.field ? map[data.field] : undefined;
        if (key) next[key] = error.message;
        setErrors(next);
        setFormError(Object.keys(next).length ? null : error.message);
      },
    }),
  );
  const number = (value: string) => (value.trim() === "" ? undefined : Number(value));
  function submit(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    start.mutate({
      templateName,
      targetVersion: version,
      canary: { size: number(canarySize) ?? 0, unit: canaryUnit },
      batchSize: number(batchSize) ?? 0,
      maxFailures: number(maxFailures),
      maxFailurePercent: number(maxFailurePercent),
      approvals: approvalMode === "skip" ? { mode: "skip", reason } : { mode: "wait" },
      confirmDestructive: confirm,
    });
  }
  return (
    <form onSubmit={submit} aria-label="Start the rollout" className="space-y-4 rounded-md border border-slate-200 p-4">
      <h3 className="text-base font-semibold">Staged rollout</h3>
      {formError && <ErrorNotice title="Rollout not started" message={formError} />}
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="flex items-end gap-2">
          <Field label="Canary size" error={errors.canarySize} hint="The first batch; the others wait for it.">
            {({ id, describedBy }) => (
              <TextInput
                id={id}
                aria-describedby={describedBy}
                aria-invalid={!!errors.canarySize}
                inputMode="numeric"
                value={canarySize}
                onChange={(e) => setCanarySize(e.target.value)}
              />
            )}
          </Field>
          <Field label="Canary unit">
            {({ id }) => (
              <Select id={id} value={canaryUnit} onChange={(e) => setCanaryUnit(e.target.value as "environments" | "percent")}>
                <option value="environments">environments</option>
                <option value="percent">% of the fleet</option>
              </Select>
            )}
          </Field>
        </div>
        <Field label="Batch size" error={errors.batchSize} hint={`Environments per batch after the canary (${count} planned).`}>
          {({ id, describedBy }) => (
            <TextInput
              id={id}
              aria-describedby={describedBy}
              aria-invalid={!!errors.batchSize}
              inputMode="numeric"
              value={batchSize}
              onChange={(e) => setBatchSize(e.target.value)}
            />
          )}
        </Field>
        <Field label="Halt when failures in a batch exceed" error={errors.maxFailures} hint="A number of environments; empty: no count limit.">
          {({ id, describedBy }) => (
            <TextInput
              id={id}
              aria-describedby={describedBy}
              aria-invalid={!!errors.maxFailures}
              inputMode="numeric"
              value={maxFailures}
              onChange={(e) => setMaxFailures(e.target.value)}
            />
          )}
        </Field>
        <Field label="…or exceed this percentage" error={errors.maxFailurePercent} hint="Of a batch's attempted updates; empty: no percentage limit.">
          {({ id, describedBy }) => (
            <TextInput
              id={id}
              aria-describedby={describedBy}
              aria-invalid={!!errors.maxFailurePercent}
              inputMode="numeric"
              value={maxFailurePercent}
              onChange={(e) => setMaxFailurePercent(e.target.value)}
            />
          )}
        </Field>
      </div>
      <fieldset className="space-y-2 text-sm">
        <legend className="mb-1 font-medium text-slate-800">Updates that need approval (prod)</legend>
        <label className="flex items-center gap-2">
          <input type="radio" name="approvals" value="wait" checked={approvalMode === "wait"} onChange={() => setApprovalMode("wait")} />
          Request the approvals; the batch waits for them
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name="approvals" value="skip" checked={approvalMode === "skip"} onChange={() => setApprovalMode("skip")} />
          Skip the approvals (audited, with a reason)
        </label>
        {approvalMode === "skip" && (
          <Field label="Why the approvals are skipped" error={errors.reason}>
            {({ id, describedBy }) => (
              <TextInput
                id={id}
                aria-describedby={describedBy}
                aria-invalid={!!errors.reason}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
            )}
          </Field>
        )}
      </fieldset>
      {stateful > 0 && (
        <div className="text-sm">
          <label className="flex items-center gap-2 font-medium text-red-700">
            <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} aria-invalid={!!errors.confirmDestructive} />I
            understand {stateful} stateful resources are replaced and their data is lost
          </label>
          {errors.confirmDestructive && <p className="mt-1 text-xs font-medium text-red-700">{errors.confirmDestructive}</p>}
        </div>
      )}
      <Button type="submit" busy={start.isPending}>
        Start the rollout of {version}
      </Button>
    </form>
  );
}
