import { auditListInput, listAuditEvents } from "~/server/services/audit";
import { oversightProcedure, router } from "../trpc";

export const auditRouter = router({
  /** Newest first, filtered; admins and auditors only. Nothing here can change a row. */
  list: oversightProcedure.input(auditListInput).query(({ ctx, input }) => listAuditEvents(ctx.db, input)),
});
