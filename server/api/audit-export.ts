/**
 * GET /api/audit/export: the audit log's current filter as a CSV download, for admins and
 * auditors. The route handler (app/api/audit/export/route.ts) only supplies the session and the
 * database; everything else is here so it is tested without a server.
 */
import { z } from "zod";
import type { Database } from "~/db/client";
import { canReadAudit } from "~/server/access/rules";
import { logger } from "~/server/logger";
import { csvDownload, jsonAnswer } from "./csv-download";
import { queryRefusal } from "./query-guard";
import { auditExportCap, auditFilterFromParams, auditFilterSchema } from "~/server/schemas/audit";
import { auditCsvChunks, auditExportFilename, exceedsCap } from "~/server/services/audit-export";
import type { Viewer } from "~/server/services/users";

type Deps = { db: Database; viewer: Viewer | null; now?: Date; cap?: number };

export async function auditExportResponse(request: Request, { db, viewer, now = new Date(), cap = auditExportCap }: Deps): Promise<Response> {
  const refused = queryRefusal(request);
  if (refused) return refused;
  if (!viewer) return jsonAnswer(401, { error: "Sign in to continue." });
  if (!canReadAudit(viewer)) return jsonAnswer(403, { error: "This needs the admin or auditor role." });

  const parsed = auditFilterSchema.safeParse(auditFilterFromParams(new URL(request.url).searchParams));
  if (!parsed.success) {
    return jsonAnswer(400, { error: "Invalid filter.", fieldErrors: z.flattenError(parsed.error).fieldErrors });
  }
  const filter = parsed.data;
  const truncated = await exceedsCap(db, filter, cap);
  const chunks = auditCsvChunks(db, filter, { cap });
  logger.info({ viewer: viewer.id, filter, truncated }, "audit export");
  return csvDownload(chunks, {
    filename: auditExportFilename(now),
    what: "audit export",
    viewerId: viewer.id,
    headers: { "x-provisio-export-cap": String(cap), "x-provisio-export-truncated": String(truncated) },
  });
}
