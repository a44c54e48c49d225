import { destroyEnvironmentInput, environmentIdInput, listEnvironmentsInput, revealSecretInput } from "~/server/schemas/environments";
import {
  accrueListTo,
  destroyEnvironment,
  environmentPageAt,
  listEnvironments,
  loadEnvironmentList,
  loadEnvironmentPage,
  retryEnvironment,
  revealSecretOutput,
} from "~/server/services/environments";
import { cachedRead, deriveAnswer } from "../read-cache";
import { auditedRefusalProcedure, authedProcedure, environmentProcedure, router } from "../trpc";

/**
 * Environments. environmentProcedure answers NOT_FOUND for other teams' environments. Retry is
 * decided in its service, on the locked row. Destroying and revealing a secret audit every
 * refusal, auditors' included, so they take auditedRefusalProcedure and their services decide
 * (NOT_FOUND for other teams) and audit. Revealing writes an audit event, so it is a mutation.
 */
export const environmentsRouter = router({
  // Cached without the costs accrued since and the capabilities that depend on the time, added at each read.
  // "Expiring within" depends on the time itself: never cached.
  list: authedProcedure.input(listEnvironmentsInput).query(async ({ ctx, input }) =>
    input.expiringWithinHours
      ? listEnvironments(ctx.db, ctx.viewer, input)
      : deriveAnswer(
          await cachedRead(ctx, "environments.list", input, () => loadEnvironmentList(ctx.db, ctx.viewer, input)),
          (kept) => accrueListTo(kept, new Date()),
          (list) => list.environments.map((e) => e.accruedCents).join(),
        ),
  ),
  /** The page's one statement checks access itself (NOT_FOUND for other teams), so the row is not loaded twice. */
  get: authedProcedure.input(environmentIdInput).query(async ({ ctx, input }) =>
    deriveAnswer(
      await cachedRead(ctx, "environments.get", input, () => loadEnvironmentPage(ctx.db, ctx.viewer, input.environmentId)),
      (kept) => environmentPageAt(ctx.viewer, kept, new Date()),
      (page) => `${page.cost.accruedCents}|${JSON.stringify(page.capabilities)}`,
    ),
  ),
  revealSecret: auditedRefusalProcedure.input(revealSecretInput).mutation(({ ctx, input }) => revealSecretOutput(ctx.db, ctx.viewer, input)),
  destroy: auditedRefusalProcedure.input(destroyEnvironmentInput).mutation(({ ctx, input }) => destroyEnvironment(ctx.db, ctx.viewer, input)),
  retry: environmentProcedure.mutation(({ ctx }) => retryEnvironment(ctx.db, ctx.viewer, { environmentId: ctx.environment.id })),
});
