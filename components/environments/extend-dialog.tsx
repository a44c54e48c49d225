"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useEffect, useId, useState } from "react";
import { formatCents } from "~/components/format/money";
import { formatDateTime, formatHours, formatRelative } from "~/components/format/time";
import { OutcomeBadge, ReasonList } from "~/components/requests/decision";
import { stageWho } from "~/components/requests/format";
import { newUuid } from "~/components/requests/request-form";
import { useTRPC } from "~/components/trpc/client";
import { Button, Spinner } from "~/components/ui/button";
import { inputClass } from "~/components/ui/form";
import { Modal } from "~/components/ui/modal";
import { ErrorNotice } from "~/components/ui/page";
import { extensionHours, requestExtensionInput } from "~/server/schemas/extensions";

export type ExtensionResult = { requestId: string; number: string; status: string; expiresAt: Date | string | null };

type Props = {
  open: boolean;
  environment: { id: string; name: string; expiresAt: Date | string };
  onClose: () => void;
  onExtended: (result: ExtensionResult) => void;
};

const presets: [number, string][] = [
  [24, "24 h"],
  [72, "3 d"],
  [168, "7 d"],
];

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

type FieldErrors = { hours?: string; justification?: string };

/** Server errors next to their field (zod's field errors or the service's field), the rest for the form. */
function placeError(error: unknown): { fields: FieldErrors; form: string | null } {
  if (!(error instanceof TRPCClientError)) return { fields: {}, form: error instanceof Error ? error.message : "Request failed." };
  const data = (error.data ?? {}) as { fieldErrors?: Record<string, string[] | undefined> | null; field?: string | null };
  const fields: FieldErrors = {};
  for (const key of ["hours", "justification"] as const) {
    const message = data.fieldErrors?.[key]?.[0];
    if (message) fields[key] = message;
  }
  if (data.field === "hours" || data.field === "justification") fields[data.field] = error.message;
  return { fields, form: Object.keys(fields).length ? null : error.message };
}

/**
 * Extending the TTL: hours (with presets), a justification, and the server's live preview of
 * the new expiry, what the added time costs and what the extension policy decides (applies at
 * once, needs an approver, or denied, with the reasons). Native <dialog>, like every modal here.
 */
export function ExtendDialog({ open, environment, onClose, onExtended }: Props) {
  const trpc = useTRPC();
  const titleId = useId();
  const hoursId = useId();
  const justificationId = useId();
  const [hoursInput, setHoursText] = useState("24");
  const [justification, setJustification] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [clientRequestId, setClientRequestId] = useState(newUuid);

  const hoursNumber = Number(hoursInput);
  const hoursCheck = extensionHours.safeParse(hoursInput.trim() === "" ? Number.NaN : hoursNumber);
  const debouncedHours = useDebounced(hoursCheck.success ? hoursCheck.data : null, 250);
  const preview = useQuery({
    ...trpc.extensions.preview.queryOptions({ environmentId: environment.id, hours: debouncedHours ?? 1 }),
    enabled: open && debouncedHours !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 0,
  });
  const submit = useMutation(
    trpc.extensions.request.mutationOptions({
      onSuccess: (result) => {
        setJustification("");
        setClientRequestId(newUuid());
        onExtended(result);
      },
      onError: (error) => {
        const placed = placeError(error);
        setErrors(placed.fields);
        setFormError(placed.form);
      },
    }),
  );

  const hoursError =
    errors.hours ?? (hoursCheck.success || hoursInput === "" ? null : `Hours ${hoursCheck.error.issues[0]?.message ?? "are not valid"}`);
  const p = preview.data;
  const denied = p?.decision.outcome === "denied";
  const previewError = preview.error ? placeError(preview.error) : null;

  return (
    <Modal
      open={open}
      labelledBy={titleId}
      size="lg"
      onOpen={() => {
        setErrors({});
        setFormError(null);
        submit.reset();
      }}
      onClose={onClose}
    >
      <form
        noValidate
        aria-label={`Extend ${environment.name}`}
        className="space-y-4 p-5"
        onSubmit={(event) => {
          event.preventDefault();
          setFormError(null);
          const parsed = requestExtensionInput.safeParse({
            environmentId: environment.id,
            hours: hoursInput.trim() === "" ? Number.NaN : hoursNumber,
            justification,
            clientRequestId,
          });
          if (!parsed.success) {
            const next: FieldErrors = {};
            for (const issue of parsed.error.issues) {
              const key = issue.path[0];
              if ((key === "hours" || key === "justification") && !next[key])
                next[key] = `${key === "hours" ? "Hours" : "Justification"}: ${issue.message}`;
            }
            setErrors(next);
            return;
          }
          setErrors({});
          submit.mutate(parsed.data);
        }}
      >
        <h2 id={titleId} className="text-lg font-semibold">
          Extend {environment.name}
        </h2>
        <p className="text-sm text-slate-700">
          It expires {formatDateTime(environment.expiresAt)} (<span suppressHydrationWarning>{formatRelative(environment.expiresAt)}</span>). Add time
          to that expiry.
        </p>

        <fieldset>
          <legend className="mb-1 block text-sm font-medium text-slate-800">Add</legend>
          <div className="flex flex-wrap items-center gap-2">
            {presets.map(([hours, label]) => (
              <Button
                key={hours}
                type="button"
                variant="secondary"
                className="px-2.5! py-1.5!"
                aria-pressed={hoursCheck.success && hoursCheck.data === hours}
                onClick={() => {
                  setHoursText(String(hours));
                  setErrors((e) => ({ ...e, hours: undefined }));
                }}
              >
                {label}
              </Button>
            ))}
            <label htmlFor={hoursId} className="ml-1 text-sm text-slate-700">
              or hours
            </label>
            <input
              id={hoursId}
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              className={`${inputClass} w-28!`}
              value={hoursInput}
              aria-invalid={hoursError ? true : undefined}
              aria-describedby={hoursError ? `${hoursId}-error` : undefined}
              onChange={(e) => {
                setHoursText(e.target.value);
                setErrors((x) => ({ ...x, hours: undefined }));
              }}
            />
          </div>
          {hoursError && (
            <p id={`${hoursId}-error`} className="mt-1 text-xs font-medium text-red-700">
              {hoursError}
            </p>
          )}
        </fieldset>

        <section aria-label="Extension preview" aria-live="polite" className="space-y-3 rounded-md bg-slate-50 p-3 text-sm">
          {previewError ? (
            <p className="font-medium text-red-800">{previewError.form ?? Object.values(previewError.fields)[0]}</p>
          ) : !p ? (
            <Spinner label="Working out the new expiry…" />
          ) : (
            <>
              <dl className="grid grid-cols-2 gap-3">
                <div>
                  <dt className="text-xs font-medium text-slate-500">New expiry</dt>
                  <dd className="font-medium text-slate-900">{formatDateTime(p.newExpiresAt)}</dd>
                </div>
                <div>
                  <dt className="text-xs font-medium text-slate-500">Cost of {formatHours(p.hours)} more</dt>
                  <dd className="font-medium tabular-nums text-slate-900">{formatCents(p.costCents)}</dd>
                </div>
                <div className="col-span-2 text-xs text-slate-600">
                  Without approval it may live until {formatDateTime(p.maxExpiresAt)} ({formatHours(p.maxTtlHours)} for this tier).
                </div>
              </dl>
              <p className="flex flex-wrap items-center gap-2">
                <span className="sr-only">Policy decision:</span>
                <OutcomeBadge outcome={p.decision.outcome} />
                <span className={denied ? "font-medium text-red-900" : "text-slate-800"}>
                  {p.decision.outcome === "auto_approved"
                    ? "Applies at once when you submit."
                    : p.decision.outcome === "denied"
                      ? "Policy denies this extension."
                      : `Needs approval from ${p.decision.stages.map(stageWho).join(", then ")}; the expiry moves when approved.`}
                </span>
                {preview.isFetching && <Spinner />}
              </p>
              <ReasonList reasons={p.decision.reasons} label="Extension policy reasons" />
            </>
          )}
        </section>

        <div>
          <label htmlFor={justificationId} className="mb-1 block text-sm font-medium text-slate-800">
            Justification
          </label>
          <textarea
            id={justificationId}
            rows={2}
            className={inputClass}
            value={justification}
            aria-invalid={errors.justification ? true : undefined}
            aria-describedby={errors.justification ? `${justificationId}-error` : `${justificationId}-hint`}
            onChange={(e) => {
              setJustification(e.target.value);
              setErrors((x) => ({ ...x, justification: undefined }));
            }}
          />
          {errors.justification ? (
            <p id={`${justificationId}-error`} className="mt-1 text-xs font-medium text-red-700">
              {errors.justification}
            </p>
          ) : (
            <p id={`${justificationId}-hint`} className="mt-1 text-xs text-slate-500">
              Why it needs more time (at least 10 characters); approvers read it.
            </p>
          )}
        </div>
        {formError && <ErrorNotice title="Not extended" message={formError} />}
        <div className="flex flex-wrap justify-end gap-2 pt-1">
          <Button type="button" variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={submit.isPending} disabled={denied}>
            {p?.decision.outcome === "needs_approval" ? "Ask for approval" : "Extend"}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
