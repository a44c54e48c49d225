import { previewExtensionInput, requestExtensionInput } from "~/server/schemas/extensions";
import { previewExtension, requestExtension } from "~/server/services/extensions";
import { authedProcedure, router } from "../trpc";

/** Extending a live environment's TTL: a request through the extension policy. Access is checked in the service (owner, team approvers, admins). */
export const extensionsRouter = router({
  /** New expiry, cost and the policy decision (auto, needs approval, denied) for adding `hours`. */
  preview: authedProcedure.input(previewExtensionInput).query(({ ctx, input }) => previewExtension(ctx.db, ctx.viewer, input)),
  request: authedProcedure.input(requestExtensionInput).mutation(({ ctx, input }) => requestExtension(ctx.db, ctx.viewer, input)),
});
