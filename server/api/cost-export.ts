/**
 * GET /api/costs/export?team=<id|all>&month=YYYY-MM: a month of cost as a FOCUS CSV download.
 * A team's members may export it; admins and auditors may export any team or all of them
 * (canReadCosts). Every refusal is audited (`cost.export_denied`, with the reason); a team the
 * caller may not read answers 404 like an unknown one, so the answer never tells whether it
 * exists. An export is audited too (`cost.exported`). The route handler only supplies the session and the database.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "~/db/client";
import { teams } from "~/db/schema";
import { canReadCosts } from "~/server/access/rules";
import { logger } from "~/server/logger";
import { csvDownload, jsonAnswer } from "./csv-download";
import { queryRefusal } from "./query-guard";
import { costExportQuery, monthOf } from "~/server/schemas/costs";
import { recordAudit } from "~/server/core/audit";
import { focusCsvChunks, focusExportFilename } from "~/server/services/cost-export";
import { costPeriod } from "~/server/services/costs";
import { ServiceError } from "~/server/core/errors";
import { actorOf, type Viewer } from "~/server/services/users";

type Deps = { db: Database; viewer: Viewer | null; now?: Date; batchSize?: number };

/** The reason audited when a team's costs are refused; the caller is told only teamNotFoundMessage. */
export const notMemberMessage = "You are not a member of this team: its costs can be exported by its members, admins and auditors.";
export const teamNotFoundMessage = "Team was not found.";
export const allTeamsMessage = "Exporting every team's costs needs the admin or auditor role.";

export async function costExportResponse(request: Request, { db, viewer, now = new Date(), batchSize }: Deps): Promise<Response> {
  const refused = queryRefusal(request);
  if (refused) return refused;
  if (!viewer) return jsonAnswer(401, { error: "Sign in to continue." });
  const params = new URL(request.url).searchParams;
  const parsed = costExportQuery.safeParse({ team: params.get("team") ?? undefined, month: params.get("month") || undefined });
  if (!parsed.success) return jsonAnswer(400, { error: "Invalid export query.", fieldErrors: z.flattenError(parsed.error).fieldErrors });
  const month = parsed.data.month ?? monthOf(now);
  try {
    costPeriod(month, now);
  } catch (error) {
    if (error instanceof ServiceError) return jsonAnswer(400, { error: "Invalid export query.", fieldErrors: { month: [error.message] } });
    throw error;
  }

  const actor = actorOf(viewer);
  let team: typeof teams.$inferSelect | null = null;
  if (parsed.data.team !== "all") {
    team = (await db.query.teams.findFirst({ where: eq(teams.id, parsed.data.team) })) ?? null;
    if (!team) return jsonAnswer(404, { error: teamNotFoundMessage });
  }
  if (!canReadCosts(viewer, team?.id ?? "all")) {
    const reason = team ? notMemberMessage : allTeamsMessage;
    await recordAudit(db, actor, {
      action: "cost.export_denied",
      subjectType: team ? "team" : "costs",
      subjectId: team?.id ?? "all",
      teamId: team?.id ?? null,
      after: { month, reason },
    });
    logger.warn({ viewer: viewer.id, team: parsed.data.team, month }, "cost export denied");
    return team ? jsonAnswer(404, { error: teamNotFoundMessage }) : jsonAnswer(403, { error: reason });
  }

  await recordAudit(db, actor, {
    action: "cost.exported",
    subjectType: team ? "team" : "costs",
    subjectId: team?.id ?? "all",
    teamId: team?.id ?? null,
    after: { month, format: "FOCUS 1.x CSV" },
  });
  const chunks = focusCsvChunks(db, { teamId: team?.id ?? null, month, now, batchSize });
  logger.info({ viewer: viewer.id, team: team?.id ?? "all", month }, "cost export");
  return csvDownload(chunks, { filename: focusExportFilename(team?.slug ?? "all", month), what: "cost export", viewerId: viewer.id });
}
