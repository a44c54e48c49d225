import {
  armSimFaultInput,
  cancelRolloutInput,
  dryRunRolloutInput,
  listRolloutsInput,
  rolloutIdInput,
  startRolloutInput,
} from "~/server/schemas/fleet-rollouts";
import { cancelRollout, dryRunRollout, getRollout, listRollouts, pauseRollout, resumeRollout, startRollout } from "~/server/services/fleet-rollout";
import { armSimFault } from "~/server/services/sim-faults";
import { adminProcedure, oversightProcedure, router } from "../trpc";

/**
 * Fleet rollouts (issue 14): admins plan and run them; admins and auditors read them. Team
 * approvers see their teams' part through the fleet view and their update requests, not here:
 * a rollout spans every team.
 */
export const fleetRolloutsRouter = router({
  dryRun: adminProcedure.input(dryRunRolloutInput).query(({ ctx, input }) => dryRunRollout(ctx.db, ctx.viewer, input)),
  start: adminProcedure.input(startRolloutInput).mutation(({ ctx, input }) => startRollout(ctx.db, ctx.viewer, input)),
  pause: adminProcedure.input(rolloutIdInput).mutation(({ ctx, input }) => pauseRollout(ctx.db, ctx.viewer, input)),
  resume: adminProcedure.input(rolloutIdInput).mutation(({ ctx, input }) => resumeRollout(ctx.db, ctx.viewer, input)),
  cancel: adminProcedure.input(cancelRolloutInput).mutation(({ ctx, input }) => cancelRollout(ctx.db, ctx.viewer, input)),
  list: oversightProcedure.input(listRolloutsInput).query(({ ctx, input }) => listRollouts(ctx.db, input)),
  get: oversightProcedure.input(rolloutIdInput).query(({ ctx, input }) => getRollout(ctx.db, input)),
  /** Sim only: the next change of this environment fails once (to rehearse a halt). Audited. */
  failNextChange: adminProcedure.input(armSimFaultInput).mutation(({ ctx, input }) => armSimFault(ctx.db, ctx.viewer, input)),
});
