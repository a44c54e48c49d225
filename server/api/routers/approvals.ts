import { decideRequestInput } from "~/server/schemas/requests";
import { approvalInbox } from "~/server/services/approval-inbox";
import { decideRequest } from "~/server/services/approvals";
import { cachedRead } from "../read-cache";
import { approverProcedure, requestDeciderProcedure, router } from "../trpc";

/** Approvers of some team, and admins: the inbox and the decisions (who may decide on which request is the policy's call). */
export const approvalsRouter = router({
  inbox: approverProcedure.query(({ ctx }) => cachedRead(ctx, "approvals.inbox", null, () => approvalInbox(ctx.db, ctx.viewer))),
  decide: requestDeciderProcedure.input(decideRequestInput).mutation(({ ctx, input }) => decideRequest(ctx.db, ctx.viewer, input)),
});
