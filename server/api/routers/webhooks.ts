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
import { router, teamApproverProcedure, teamWebhookReaderProcedure } from "../trpc";

/**
 * A team's webhooks: its approvers and admins manage them; auditors read them too (read only);
 * plain members do not see them (URLs can be internal). Nobody reads a secret here: it is
 * returned once, by create and rotateSecret, to the approver who asked.
 */
export const webhooksRouter = router({
  list: teamWebhookReaderProcedure.query(({ ctx }) => listWebhooks(ctx.db, ctx.team.id)),

  /** Returns the new webhook and its secret: the only time the secret is shown. */
  create: teamApproverProcedure.input(createWebhookInput).mutation(({ ctx, input }) => createWebhook(ctx.db, ctx.actor, input)),

  /** URL, events, or pause/resume (`active`), with the version the editor saw. */
  update: teamApproverProcedure.input(updateWebhookInput).mutation(({ ctx, input }) => updateWebhook(ctx.db, ctx.actor, input)),

  /** A new secret, shown once; the old one stops working at once. */
  rotateSecret: teamApproverProcedure.input(rotateSecretInput).mutation(({ ctx, input }) => rotateWebhookSecret(ctx.db, ctx.actor, input)),

  delete: teamApproverProcedure.input(webhookRefInput).mutation(({ ctx, input }) => deleteWebhook(ctx.db, ctx.actor, input)),

  /** The delivery log, newest first, a page at a time. */
  deliveries: teamWebhookReaderProcedure.input(deliveriesInput).query(({ ctx, input }) => listDeliveries(ctx.db, input)),

  /** Sends a delivery again (failed, or to replay one). */
  redeliver: teamApproverProcedure.input(redeliverInput).mutation(({ ctx, input }) => redeliver(ctx.db, ctx.actor, input)),
});
