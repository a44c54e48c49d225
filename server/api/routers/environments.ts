import { destroyEnvironmentInput, listEnvironmentsInput, revealSecretInput } from "~/server/schemas/environments";
import { destroyEnvironment, getEnvironment, listEnvironments, retryEnvironment, revealSecretOutput } from "~/server/services/environments";
import { auditedRefusalProcedure, authedProcedure, environmentProcedure, router } from "../trpc";

/**
 * Environments. environmentProcedure answers NOT_FOUND for other teams' environments. Destroy
 * and retry are decided in their services, on the locked row (a refused destroy is audited);
 * revealing a secret audits every refusal, auditors' and outsiders' too, so it takes
 * auditedRefusalProcedure and its service decides and audits. Revealing writes an audit event,
 * so it is a mutation.
 */
export const environmentsRouter = router({
  list: authedProcedure.input(listEnvironmentsInput).query(({ ctx, input }) => listEnvironments(ctx.db, ctx.viewer, input)),
  get: environmentProcedure.query(({ ctx }) => getEnvironment(ctx.db, ctx.viewer, ctx.environment.id)),
  revealSecret: auditedRefusalProcedure.input(revealSecretInput).mutation(({ ctx, input }) => revealSecretOutput(ctx.db, ctx.viewer, input)),
  destroy: environmentProcedure.input(destroyEnvironmentInput).mutation(({ ctx, input }) => destroyEnvironment(ctx.db, ctx.viewer, input)),
  retry: environmentProcedure.mutation(({ ctx }) => retryEnvironment(ctx.db, ctx.viewer, { environmentId: ctx.environment.id })),
});
