import { destroyEnvironmentInput, listEnvironmentsInput, revealSecretInput } from "~/server/schemas/environments";
import { destroyEnvironment, getEnvironment, listEnvironments, retryEnvironment, revealSecretOutput } from "~/server/services/environments";
import { auditedRefusalProcedure, authedProcedure, environmentProcedure, router } from "../trpc";

/**
 * Environments. environmentProcedure answers NOT_FOUND for other teams' environments. Retry is
 * decided in its service, on the locked row. Destroying and revealing a secret audit every
 * refusal, auditors' included, so they take auditedRefusalProcedure and their services decide
 * (NOT_FOUND for other teams) and audit. Revealing writes an audit event, so it is a mutation.
 */
export const environmentsRouter = router({
  list: authedProcedure.input(listEnvironmentsInput).query(({ ctx, input }) => listEnvironments(ctx.db, ctx.viewer, input)),
  get: environmentProcedure.query(({ ctx }) => getEnvironment(ctx.db, ctx.viewer, ctx.environment.id)),
  revealSecret: auditedRefusalProcedure.input(revealSecretInput).mutation(({ ctx, input }) => revealSecretOutput(ctx.db, ctx.viewer, input)),
  destroy: auditedRefusalProcedure.input(destroyEnvironmentInput).mutation(({ ctx, input }) => destroyEnvironment(ctx.db, ctx.viewer, input)),
  retry: environmentProcedure.mutation(({ ctx }) => retryEnvironment(ctx.db, ctx.viewer, { environmentId: ctx.environment.id })),
});
