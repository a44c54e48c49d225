import { auditFacets, auditListInput, listAuditEvents } from "~/server/services/audit";
import { oversightProcedure, router } from "../trpc";

export const auditRouter = router({
  /** Newest first, filtered; admins and auditors only. Nothing here can change a row. */
  list: oversightProcedure.input(auditListInput).query(({ ctx, input }) => listAuditEvents(ctx.db, input)),
  /** What the filter bar offers: actions, subject types, actors and teams. */
  facets: oversightProcedure.query(({ ctx }) => auditFacets(ctx.db)),
});
