import { TRPCError } from "@trpc/server";
import {
  createWebhookInput,
  deliveriesInput,
  redeliverInput,
  rotateSecretInput,
  updateWebhookInput,
  webhookRefInput,
} from "~/server/schemas/webhooks";
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
} from "~/server/services/webhooks";
import { router, teamApproverProcedure, teamProcedure } from "../trpc";

/**
 * Reading a team's webhooks and their delivery log: its approvers, admins, and auditors (who
 * oversee everything, read only). Plain members do not: URLs can be internal. Nobody reads a
 * secret here; it is returned once, by create and rotateSecret, to the approver who asked.
 */
const webhookReaderProcedure = teamProcedure.use(({ ctx, next }) => {
  const oversees = ctx.viewer.globalRole === "admin" || ctx.viewer.globalRole === "auditor";
  if (ctx.teamRole !== "approver" && !oversees) {
    throw new TRPCError({ code: "FORBIDDEN", message: "This needs the approver role in the team (or the admin or auditor role)." });
  }
  return next();
});

export const webhooksRouter = router({
  list: webhookReaderProcedure.query(({ ctx }) => listWebhooks(ctx.db, ctx.team.id)),

  /** Returns the new webhook and its secret: the only time the secret is shown. */
  create: teamApproverProcedure.input(createWebhookInput).mutation(({ ctx, input }) => createWebhook(ctx.db, ctx.actor, input)),

  /** URL, events, or pause/resume (`active`), with the version the editor saw. */
  update: teamApproverProcedure.input(updateWebhookInput).mutation(({ ctx, input }) => updateWebhook(ctx.db, ctx.actor, input)),

  /** A new secret, shown once; the old one stops working at once. */
  rotateSecret: teamApproverProcedure.input(rotateSecretInput).mutation(({ ctx, input }) => rotateWebhookSecret(ctx.db, ctx.actor, input)),

  delete: teamApproverProcedure.input(webhookRefInput).mutation(({ ctx, input }) => deleteWebhook(ctx.db, ctx.actor, input)),

  /** The delivery log, newest first, a page at a time. */
  deliveries: webhookReaderProcedure.input(deliveriesInput).query(({ ctx, input }) => listDeliveries(ctx.db, input)),

  /** Sends a delivery again (failed, or to replay one). */
  redeliver: teamApproverProcedure.input(redeliverInput).mutation(({ ctx, input }) => redeliver(ctx.db, ctx.actor, input)),
});
