import {
  cancelRequestInput,
  commentInput,
  listRequestsInput,
  previewRequestInput,
  submitRequestInput,
  updateRequestInput,
} from "~/server/schemas/requests";
import { submitWithSourceUpdate } from "~/server/services/pr-updates";
import { getRequestPage } from "~/server/services/request-page";
import { addComment, cancelRequest, listRequests, previewRequest, updateRequest } from "~/server/services/requests";
import { savedPlansOf } from "~/server/services/saved-plans";
import { planTerraformDraft, planTerraformRequest } from "~/server/services/terraform-plans";
import type { Plan } from "~/server/templates/plan";
import { cachedRead } from "../read-cache";
import {
  authedProcedure,
  requestCancellerProcedure,
  requestIdInput,
  requestProcedure,
  requestRequesterProcedure,
  router,
  teamMemberProcedure,
} from "../trpc";

/** Requests for environments. requestProcedure answers NOT_FOUND for other teams' requests. */
export const requestsRouter = router({
  /** The live plan, cost, budget, quotas and policy decision of the form, for a team the caller belongs to. */
  preview: teamMemberProcedure.input(previewRequestInput).query(({ ctx, input }) => previewRequest(ctx.db, ctx.viewer, ctx.team.id, input)),
  /** A re-used pull-request environment whose parameters changed also gets an update request (pr-updates.ts). */
  submit: teamMemberProcedure.input(submitRequestInput).mutation(({ ctx, input }) => submitWithSourceUpdate(ctx.db, ctx.viewer, input)),
  update: requestRequesterProcedure.input(updateRequestInput).mutation(({ ctx, input }) => updateRequest(ctx.db, ctx.viewer, input)),
  cancel: requestCancellerProcedure.input(cancelRequestInput).mutation(({ ctx, input }) => cancelRequest(ctx.db, ctx.viewer, input)),
  comment: requestProcedure.input(commentInput).mutation(({ ctx, input }) => addComment(ctx.db, ctx.viewer, input)),
  /** Loads and checks the request itself (not requestProcedure), so a cached page costs no query. */
  get: authedProcedure
    .input(requestIdInput)
    .query(({ ctx, input }) => cachedRead(ctx, "requests.get", input, () => getRequestPage(ctx.db, ctx.viewer, input.requestId))),
  list: authedProcedure
    .input(listRequestsInput)
    .query(({ ctx, input }) => cachedRead(ctx, "requests.list", input, () => listRequests(ctx.db, ctx.viewer, input))),
  /** Terraform templates: a real `terraform plan` of the form's values (resource changes, cost from the plan); cached, run on demand. */
  terraformPlan: teamMemberProcedure.input(previewRequestInput).query(({ ctx, input }) => planTerraformDraft(ctx.db, ctx.viewer, ctx.team.id, input)),
  /** The same for a submitted request, for its page and its approvers. */
  terraformPlanForRequest: requestProcedure.query(({ ctx }) => planTerraformRequest(ctx.db, ctx.viewer, ctx.request.id)),
  /** The plan as submitted, loaded on demand where a page lists requests by a summary of their plans (the approvals inbox). */
  plan: requestProcedure.query(({ ctx }) => ctx.request.plan as Plan),
  /** Terraform: the plans saved with the request (approved, re-planned, applied): "plan vs applied". */
  savedPlans: requestProcedure.query(({ ctx }) => savedPlansOf(ctx.db, ctx.request.id)),
});
