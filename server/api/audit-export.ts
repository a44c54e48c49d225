/**
 * GET /api/audit/export: the audit log's current filter as a CSV download, for admins and
 * auditors. The route handler (app/api/audit/export/route.ts) only supplies the session and the
 * database; everything else is here so it is tested without a server.
 */
import { z } from "zod";
import type { Database } from "~/db/client";
import { oversees } from "~/server/auth/access";
import { logger } from "~/server/logger";
import { auditExportCap, auditFilterFromParams, auditFilterSchema } from "~/server/schemas/audit";
import { auditCsvChunks, auditExportFilename, exceedsCap } from "~/server/services/audit-export";
import type { Viewer } from "~/server/services/users";

type Deps = { db: Database; viewer: Viewer | null; now?: Date; cap?: number };

const json = (status: number, body: Record<string, unknown>) =>
  Response.json(body, { status, headers: { "cache-control": "no-store" } });

export async function auditExportResponse(request: Request, { db, viewer, now = new Date(), cap = auditExportCap }: Deps): Promise<Response> {
  if (!viewer) return json(401, { error: "Sign in to continue." });
  if (!oversees(viewer)) return json(403, { error: "This needs the admin or auditor role." });

  const parsed = auditFilterSchema.safeParse(auditFilterFromParams(new URL(request.url).searchParams));
  if (!parsed.success) {
    return json(400, { error: "Invalid filter.", fieldErrors: z.flattenError(parsed.error).fieldErrors });
  }
  const filter = parsed.data;
  const truncated = await exceedsCap(db, filter, cap);
  const chunks = auditCsvChunks(db, filter, { cap });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        logger.error({ err: error, viewer: viewer.id }, "audit export failed");
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  logger.info({ viewer: viewer.id, filter, truncated }, "audit export");
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="${auditExportFilename(now)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-provisio-export-cap": String(cap),
      "x-provisio-export-truncated": String(truncated),
    },
  });
}
