import { z } from "zod";
import {
  cancelRequestInput,
  commentInput,
  listRequestsInput,
  previewRequestInput,
  submitRequestInput,
  updateRequestInput,
} from "~/server/schemas/requests";
import { addComment, cancelRequest, getRequest, listRequests, previewRequest, submitRequest, updateRequest } from "~/server/services/requests";
import { authedProcedure, router, teamMemberProcedure } from "../trpc";

/** Requests for environments. Team data is checked in the services: other teams' requests answer NOT_FOUND. */
export const requestsRouter = router({
  /** The live plan, cost, budget, quotas and policy decision of the form, for a team the caller belongs to. */
  preview: teamMemberProcedure.input(previewRequestInput).query(({ ctx, input }) => previewRequest(ctx.db, ctx.viewer, input.teamId, input)),
  submit: teamMemberProcedure.input(submitRequestInput).mutation(({ ctx, input }) => submitRequest(ctx.db, ctx.viewer, input)),
  update: authedProcedure.input(updateRequestInput).mutation(({ ctx, input }) => updateRequest(ctx.db, ctx.viewer, input)),
  cancel: authedProcedure.input(cancelRequestInput).mutation(({ ctx, input }) => cancelRequest(ctx.db, ctx.viewer, input)),
  comment: authedProcedure.input(commentInput).mutation(({ ctx, input }) => addComment(ctx.db, ctx.viewer, input)),
  get: authedProcedure.input(z.object({ requestId: z.uuid({ error: "must be a request id" }) })).query(({ ctx, input }) => getRequest(ctx.db, ctx.viewer, input.requestId)),
  list: authedProcedure.input(listRequestsInput).query(({ ctx, input }) => listRequests(ctx.db, ctx.viewer, input)),
});
