"use client";

import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui/button";
import { Field, TextInput } from "~/components/ui/form";

/** A reason (and for acknowledging, hours) then submit; the server's message shown on refusal. */
export function ReasonForm({
  label,
  withHours,
  busy,
  error,
  onSubmit,
}: {
  label: string;
  withHours?: boolean;
  busy: boolean;
  error: string | null;
  onSubmit: (reason: string, hours: number) => void;
}) {
  const [reason, setReason] = useState("");
  const [hours, setHours] = useState(24);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(reason, hours);
  };
  return (
    <form onSubmit={submit} className="mt-3 space-y-2 rounded-md border border-slate-200 p-3" aria-label={label}>
      <Field label="Reason" hint="At least 10 characters; recorded in the audit log." error={error ?? undefined}>
        {({ id, describedBy }) => (
          <TextInput id={id} aria-describedby={describedBy} value={reason} onChange={(e) => setReason(e.target.value)} required />
        )}
      </Field>
      {withHours && (
        <Field label="Acknowledged for (hours)">
          {({ id }) => <TextInput id={id} type="number" min={1} max={720} value={hours} onChange={(e) => setHours(Number(e.target.value))} />}
        </Field>
      )}
      <Button type="submit" busy={busy}>
        {label}
      </Button>
    </form>
  );
}
