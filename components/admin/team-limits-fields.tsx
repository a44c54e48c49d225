"use client";

import { useId } from "react";
import type { FieldErrors, FieldValues, Path, UseFormRegister } from "react-hook-form";
import type { z } from "zod";
import { Field, TextInput } from "~/components/ui/form";
import { budgetModeHelp, budgetModes, type teamFields } from "~/server/schemas/teams";

type TeamFieldValues = z.input<typeof teamFields>;
type LimitField = "budgetMode" | "approvalThresholdUsd" | "quotaVcpus" | "quotaInstances" | "quotaGpus";

/** An empty box means "none" or "unlimited": null, not 0 (0 is a real limit) and not NaN. */
export const emptyAsNull = (value: unknown) =>
  value === "" || value === null || value === undefined ? null : typeof value === "number" ? value : Number(value);

const quotas: { name: LimitField; label: string; unit: string }[] = [
  { name: "quotaVcpus", label: "vCPU quota", unit: "vCPUs" },
  { name: "quotaInstances", label: "Instance quota", unit: "instances" },
  { name: "quotaGpus", label: "GPU quota", unit: "GPUs" },
];

/**
 * Budget mode, admin-approval threshold and quotas: shared by the create and the settings forms.
 * Lives in a two-column grid; every group spans both columns.
 */
export function TeamLimitsFields<T extends FieldValues & TeamFieldValues>({
  register,
  errors,
}: {
  register: UseFormRegister<T>;
  errors: FieldErrors<T>;
}) {
  const field = (name: LimitField) => name as Path<T>;
  const message = (name: LimitField) => errors[name]?.message as string | undefined;
  const id = useId();
  const modeError = message("budgetMode");
  const quotaErrors = quotas.map((q) => message(q.name)).filter(Boolean);

  return (
    <>
      <fieldset className="sm:col-span-2" aria-describedby={modeError ? `${id}-mode-error` : undefined}>
        <legend className="mb-1 text-sm font-medium text-slate-800">Budget mode</legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {budgetModes.map((mode) => (
            <label
              key={mode}
              className="flex cursor-pointer gap-3 rounded-md p-3 ring-1 ring-inset ring-slate-300 has-[:checked]:bg-brand-50 has-[:checked]:ring-2 has-[:checked]:ring-brand-500 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-brand-500"
            >
              <input
                type="radio"
                value={mode}
                className="mt-0.5 size-4 accent-brand-600"
                aria-describedby={`${id}-${mode}-help`}
                {...register(field("budgetMode"))}
              />
              <span>
                <span className="block text-sm font-medium text-slate-900">{budgetModeHelp[mode].label}</span>
                <span id={`${id}-${mode}-help`} className="block text-xs text-slate-600">
                  {budgetModeHelp[mode].help}
                </span>
              </span>
            </label>
          ))}
        </div>
        {modeError && (
          <p id={`${id}-mode-error`} className="mt-1 text-xs font-medium text-red-700">
            {modeError}
          </p>
        )}
      </fieldset>
      <div className="sm:col-span-2 sm:max-w-[calc(50%-0.5rem)]">
        <Field
          label="Admin approval above (USD per month)"
          hint="Requests estimated above this monthly cost also need an admin's approval. Leave empty for none."
          error={message("approvalThresholdUsd")}
        >
          {({ id: inputId, describedBy }) => (
            <TextInput
              id={inputId}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              placeholder="No threshold"
              aria-describedby={describedBy}
              aria-invalid={!!errors.approvalThresholdUsd}
              {...register(field("approvalThresholdUsd"), { setValueAs: emptyAsNull })}
            />
          )}
        </Field>
      </div>
      <fieldset className="sm:col-span-2" aria-describedby={`${id}-quota-hint`}>
        <legend className="text-sm font-medium text-slate-800">Quotas</legend>
        <p id={`${id}-quota-hint`} className="mb-2 text-xs text-slate-500">
          What the team&apos;s environments may hold at once. Leave empty for unlimited; 0 allows none.
        </p>
        <div className="grid gap-3 sm:grid-cols-3">
          {quotas.map((q) => (
            <Field key={q.name} label={q.label} error={message(q.name)}>
              {({ id: inputId, describedBy }) => (
                <TextInput
                  id={inputId}
                  type="number"
                  min={0}
                  step={1}
                  inputMode="numeric"
                  placeholder="Unlimited"
                  aria-describedby={describedBy}
                  aria-invalid={!!errors[q.name]}
                  {...register(field(q.name), { setValueAs: emptyAsNull })}
                />
              )}
            </Field>
          ))}
        </div>
        {quotaErrors.length > 0 && <span className="sr-only">{quotaErrors.length} quota fields need attention.</span>}
      </fieldset>
    </>
  );
}
