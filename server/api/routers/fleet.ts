import { z } from "zod";
import { templateFleet } from "~/server/services/fleet";
import { authedProcedure, router } from "../trpc";

/** A template's fleet: admins and auditors see every team's environments, team approvers their teams' (the service decides). */
export const fleetRouter = router({
  get: authedProcedure
    .input(z.object({ templateName: z.string().trim().min(1, "name a template").max(60) }))
    .query(({ ctx, input }) => templateFleet(ctx.db, ctx.viewer, input.templateName)),
});
