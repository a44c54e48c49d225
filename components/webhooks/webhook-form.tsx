"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useId, useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { Button } from "~/components/ui/button";
import { applyServerError, Field, TextInput } from "~/components/ui/form";
import { ErrorNotice } from "~/components/ui/page";
import { webhookEventTypes, webhookFormFields, type WebhookEventType } from "~/server/schemas/webhooks";

type FormInput = z.input<typeof webhookFormFields>;
export type WebhookFormValues = z.output<typeof webhookFormFields>;
const fields = ["url", "events"] as const;

type Props = {
  /** The form's accessible name, e.g. "Add a webhook". */
  label: string;
  submitLabel: string;
  defaultValues?: { url: string; events: WebhookEventType[] };
  busy: boolean;
  /** Runs the mutation; rejects with the API's error, which is placed next to its field. */
  onSubmit: (values: WebhookFormValues) => Promise<unknown>;
  onCancel?: () => void;
  errorTitle: string;
  /** Empty the form after a successful submit (adding); editing keeps the saved values. */
  resetOnSuccess?: boolean;
};

/** URL and the events to send; the same schema as the API checks (the server adds its target rules). */
export function WebhookForm({ label, submitLabel, defaultValues, busy, onSubmit, onCancel, errorTitle, resetOnSuccess = false }: Props) {
  const [formError, setFormError] = useState<string | null>(null);
  const legendId = useId();
  const eventsErrorId = useId();
  const form = useForm<FormInput, unknown, WebhookFormValues>({
    resolver: zodResolver(webhookFormFields),
    defaultValues: defaultValues ?? {
      url: "",
      events: ["dev.provisio.request.approval_needed", "dev.provisio.request.approved", "dev.provisio.request.rejected"],
    },
  });
  const errors = form.formState.errors;
  const eventsError =
    errors.events?.message ?? errors.events?.root?.message ?? (Array.isArray(errors.events) ? errors.events.find(Boolean)?.message : undefined);

  return (
    <form
      noValidate
      aria-label={label}
      className="space-y-4"
      onSubmit={form.handleSubmit(async (values) => {
        setFormError(null);
        try {
          await onSubmit(values);
          if (resetOnSuccess) form.reset();
        } catch (error) {
          setFormError(applyServerError(error, form.setError, fields));
        }
      })}
    >
      <Field
        label="Payload URL"
        hint="Provisio POSTs CloudEvents JSON here. https:// is required (plain http only for localhost on development and demo installs)."
        error={errors.url?.message}
      >
        {({ id, describedBy }) => (
          <TextInput
            id={id}
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="https://hooks.example.com/provisio"
            aria-describedby={describedBy}
            aria-invalid={!!errors.url}
            {...form.register("url")}
          />
        )}
      </Field>
      <fieldset aria-describedby={eventsError ? eventsErrorId : undefined}>
        <legend id={legendId} className="mb-2 text-sm font-medium text-slate-800">
          Events
        </legend>
        <div className="grid gap-2 sm:grid-cols-2">
          {webhookEventTypes.map((event) => (
            <label key={event.type} className="flex items-start gap-2 rounded-md p-2 text-sm ring-1 ring-inset ring-slate-200 hover:bg-slate-50">
              <input
                type="checkbox"
                value={event.type}
                className="mt-0.5 size-4 shrink-0 rounded border-slate-300 text-brand-600"
                aria-invalid={!!eventsError}
                {...form.register("events")}
              />
              <span>
                <span className="block font-medium text-slate-800">{event.label}</span>
                <span className="block text-xs text-slate-500">{event.description}</span>
              </span>
            </label>
          ))}
        </div>
        {eventsError && (
          <p id={eventsErrorId} className="mt-1 text-xs font-medium text-red-700">
            {eventsError}
          </p>
        )}
      </fieldset>
      {formError && <ErrorNotice title={errorTitle} message={formError} />}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" busy={busy}>
          {submitLabel}
        </Button>
        {onCancel && (
          <Button type="button" variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
