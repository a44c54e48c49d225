"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { newUuid } from "~/components/requests/request-form";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import type { AcceptPlan } from "~/server/templates/drift-accept";
import { ReasonForm } from "./reason-form";

/**
 * "Accept actual values" in the drift panel: offered only when the template sets every drifted
 * property from a parameter that allows the actual value; it sends a day-2 update request with
 * those values. Otherwise it says why Accept is not offered (acknowledge or reconcile instead).
 */
export function DriftAccept({
  environmentId,
  accept,
  disabled,
  onDone,
}: {
  environmentId: string;
  accept: AcceptPlan;
  disabled: boolean;
  onDone: (message: string) => void;
}) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  // One id per opened form: a double submit makes one request.
  const [clientRequestId, setClientRequestId] = useState(newUuid);
  const mutation = useMutation(
    trpc.drift.accept.mutationOptions({
      onSuccess: (r) => {
        setOpen(false);
        setClientRequestId(newUuid());
        onDone(r.status === "queued" ? `Accept requested: ${r.number} is being applied.` : `Accept requested: ${r.number} waits for approval.`);
      },
    }),
  );
  if (!accept.acceptable)
    return (
      <p className="text-xs text-slate-600" data-testid="drift-accept-why">
        Accept is not offered: {accept.why} Acknowledge it with a reason, or reconcile.
      </p>
    );
  const values = Object.entries(accept.parameters).map(([name, value]) => `${name} = ${String(value)}`);
  return (
    <div className="space-y-2">
      <p className="text-xs text-slate-600">
        Accepting keeps what exists and changes the parameters to match ({values.join(", ")}), through a change request.
      </p>
      <Button variant="secondary" disabled={disabled} onClick={() => setOpen(!open)} aria-expanded={open}>
        Accept actual values
      </Button>
      {open && (
        <ReasonForm
          label="Send accept request"
          busy={mutation.isPending}
          error={mutation.error?.message ?? null}
          onSubmit={(reason) => mutation.mutate({ environmentId, reason, clientRequestId })}
        />
      )}
    </div>
  );
}
