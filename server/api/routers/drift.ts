import { acceptDriftInput, acknowledgeDriftInput, requestReconcileInput, simChaosInput } from "~/server/schemas/drift";
import { acknowledgeDrift, getDrift, requestDriftCheck } from "~/server/services/drift";
import { acceptDrift } from "~/server/services/drift-accept";
import { causeSimDrift } from "~/server/services/drift-chaos";
import { requestReconcile } from "~/server/services/reconcile";
import { environmentProcedure, router } from "../trpc";

/**
 * Drift (issue 13). environmentProcedure answers NOT_FOUND for other teams' environments and
 * refuses auditors' mutations; who may act is decided in the services: checking is for the
 * team's members and admins, acknowledging, accepting and reconciling for the owner, the team's approvers and admins, chaos
 * for admins (audited).
 */
export const driftRouter = router({
  get: environmentProcedure.query(({ ctx }) => getDrift(ctx.db, ctx.viewer, ctx.environment)),
  checkNow: environmentProcedure.mutation(({ ctx }) => requestDriftCheck(ctx.db, ctx.viewer, ctx.environment)),
  acknowledge: environmentProcedure
    .input(acknowledgeDriftInput)
    .mutation(({ ctx, input }) => acknowledgeDrift(ctx.db, ctx.viewer, ctx.environment, input)),
  requestReconcile: environmentProcedure
    .input(requestReconcileInput)
    .mutation(({ ctx, input }) => requestReconcile(ctx.db, ctx.viewer, ctx.environment, input)),
  accept: environmentProcedure.input(acceptDriftInput).mutation(({ ctx, input }) => acceptDrift(ctx.db, ctx.viewer, ctx.environment, input)),
  simChaos: environmentProcedure.input(simChaosInput).mutation(({ ctx, input }) => causeSimDrift(ctx.db, ctx.viewer, ctx.environment, input)),
});
