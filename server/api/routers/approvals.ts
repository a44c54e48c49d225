import { TRPCError } from "@trpc/server";
import { approvesAnywhere } from "~/server/auth/access";
import { decideRequestInput } from "~/server/schemas/requests";
import { approvalInbox, decideRequest } from "~/server/services/approvals";
import { authedProcedure, router } from "../trpc";

/** Approvers of some team, and admins: the inbox and the decisions (who may decide on which request is the policy's call). */
const approverProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!approvesAnywhere(ctx.viewer)) throw new TRPCError({ code: "FORBIDDEN", message: "This needs the approver role in a team, or the admin role." });
  return next();
});

export const approvalsRouter = router({
  inbox: approverProcedure.query(({ ctx }) => approvalInbox(ctx.db, ctx.viewer)),
  decide: approverProcedure.input(decideRequestInput).mutation(({ ctx, input }) => decideRequest(ctx.db, ctx.viewer, input)),
});
