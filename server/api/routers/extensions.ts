import { previewExtensionInput, requestExtensionInput } from "~/server/schemas/extensions";
import { previewExtension, requestExtension } from "~/server/services/extensions";
import { environmentOperatorProcedure, router } from "../trpc";

/** Extending a live environment's TTL (its owner, the team's approvers, admins): a request through the extension policy. */
export const extensionsRouter = router({
  /** New expiry, cost and the policy decision (auto, needs approval, denied) for adding `hours`. */
  preview: environmentOperatorProcedure.input(previewExtensionInput).query(({ ctx, input }) => previewExtension(ctx.db, ctx.viewer, input)),
  request: environmentOperatorProcedure.input(requestExtensionInput).mutation(({ ctx, input }) => requestExtension(ctx.db, ctx.viewer, input)),
});
