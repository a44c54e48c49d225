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
import { planTerraformDraft, planTerraformRequest } from "~/server/services/terraform-plans";
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
  /** Terraform templates: a real `terraform plan` of the form's values (resource changes, cost from the plan); cached, run on demand. */
  terraformPlan: teamMemberProcedure.input(previewRequestInput).query(({ ctx, input }) => planTerraformDraft(ctx.db, ctx.viewer, input.teamId, input)),
  /** The same for a submitted request, for its page and its approvers. */
  terraformPlanForRequest: authedProcedure
    .input(z.object({ requestId: z.uuid({ error: "must be a request id" }) }))
    .query(({ ctx, input }) => planTerraformRequest(ctx.db, ctx.viewer, input.requestId)),
});
