import { auditExportResponse } from "~/server/api/audit-export";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";

export const dynamic = "force-dynamic";

/** The audit log's current filter (same query names as /audit) as CSV; admins and auditors only. */
export async function GET(request: Request) {
  return auditExportResponse(request, { db: db(), viewer: await getViewer() });
}
