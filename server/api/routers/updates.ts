import { editUpdateInput, previewUpdateInput, requestUpdateInput } from "~/server/schemas/updates";
import { editUpdate, previewUpdate, requestUpdate } from "~/server/services/updates";
import { environmentOperatorProcedure, requestRequesterProcedure, router } from "../trpc";

/** Changing a live environment (its owner, the team's approvers, admins): parameters and/or template version, through the update policy. */
export const updatesRouter = router({
  /** Plan diff, cost delta, budget and quota impact, the policy decision and what needs confirming. */
  preview: environmentOperatorProcedure.input(previewUpdateInput).query(({ ctx, input }) => previewUpdate(ctx.db, ctx.viewer, input)),
  request: environmentOperatorProcedure.input(requestUpdateInput).mutation(({ ctx, input }) => requestUpdate(ctx.db, ctx.viewer, input)),
  /** Its requester edits a pending change: re-evaluated, approvals cleared. */
  edit: requestRequesterProcedure.input(editUpdateInput).mutation(({ ctx, input }) => editUpdate(ctx.db, ctx.viewer, input)),
});
