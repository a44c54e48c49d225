"use client";

import type { RequestDetail } from "~/components/requests/types";
import { ChangeEnvironment, changeNotice } from "./change-dialog";

/** "Edit change" on a pending change's request page (its requester): the change form, started from the pending change. */
export function EditPendingChange({ detail, onSaved }: { detail: RequestDetail; onSaved: (message: string) => void }) {
  // `extension` is the environment a request of a live environment (an extension or a change) is about.
  const { request, extension: target } = detail;
  if (!target || !request.environmentId) return null;
  return (
    <ChangeEnvironment
      key={`${request.id}:${request.version}`}
      environmentId={request.environmentId}
      environmentName={target.name}
      editing={{
        requestId: request.id,
        label: request.label,
        expectedVersion: request.version,
        templateVersion: detail.template.version,
        parameters: request.parameters as Record<string, string | number | boolean>,
        justification: request.justification,
        liveApprovals: detail.approvals.filter((a) => a.supersededAt === null).length,
      }}
      onDone={(result) => onSaved(changeNotice(result))}
    />
  );
}
