/**
 * The viewer's own pending change of an environment (an update request waiting for approval),
 * for "Edit change" on the environment page: what the form is prefilled with, the version the
 * edit must match, and how many approvals an edit would clear. Null when there is none or it is
 * someone else's (only its requester edits a request).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { approvals, requests, templateVersions } from "~/db/schema";
import { canEditRequest } from "~/server/access/rules";
import { requestLabel } from "./requests";
import type { Viewer } from "./users";

export async function editablePendingChange(db: Executor, viewer: Viewer, environmentId: string) {
  const [row] = await db
    .select({ request: requests, templateVersion: templateVersions.version })
    .from(requests)
    .innerJoin(templateVersions, eq(templateVersions.id, requests.templateVersionId))
    .where(and(eq(requests.environmentId, environmentId), eq(requests.kind, "update"), eq(requests.status, "pending_approval")))
    .limit(1);
  if (!row || !canEditRequest(viewer, row.request)) return null;
  const { request } = row;
  const liveApprovals = await db.$count(approvals, and(eq(approvals.requestId, request.id), isNull(approvals.supersededAt)));
  return {
    requestId: request.id,
    label: requestLabel(request),
    expectedVersion: request.version,
    templateVersion: row.templateVersion,
    parameters: request.parameters as Record<string, string | number | boolean>,
    justification: request.justification,
    liveApprovals,
  };
}
