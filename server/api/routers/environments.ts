import { destroyEnvironmentInput, environmentIdInput, listEnvironmentsInput, revealSecretInput } from "~/server/schemas/environments";
import { destroyEnvironment, getEnvironment, listEnvironments, retryEnvironment, revealSecretOutput } from "~/server/services/environments";
import { authedProcedure, router } from "../trpc";

/**
 * Environments. Who may do what depends on the environment (its owner, team and the caller's
 * role there), so the services decide: other teams' environments answer NOT_FOUND, refusals
 * FORBIDDEN naming who may. Revealing a secret writes an audit event, so it is a mutation.
 */
export const environmentsRouter = router({
  list: authedProcedure.input(listEnvironmentsInput).query(({ ctx, input }) => listEnvironments(ctx.db, ctx.viewer, input)),
  get: authedProcedure.input(environmentIdInput).query(({ ctx, input }) => getEnvironment(ctx.db, ctx.viewer, input.environmentId)),
  revealSecret: authedProcedure.input(revealSecretInput).mutation(({ ctx, input }) => revealSecretOutput(ctx.db, ctx.viewer, input)),
  destroy: authedProcedure.input(destroyEnvironmentInput).mutation(({ ctx, input }) => destroyEnvironment(ctx.db, ctx.viewer, input)),
  retry: authedProcedure.input(environmentIdInput).mutation(({ ctx, input }) => retryEnvironment(ctx.db, ctx.viewer, input)),
});
