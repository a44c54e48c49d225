import { costExportResponse } from "~/server/api/cost-export";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";

export const dynamic = "force-dynamic";

/** A month of cost as FOCUS CSV (?team=<id>|all&month=YYYY-MM): the team's members, admins and auditors. */
export async function GET(request: Request) {
  return costExportResponse(request, { db: db(), viewer: await getViewer() });
}
