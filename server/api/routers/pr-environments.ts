import { z } from "zod";
import { requestSource } from "~/server/schemas/requests";
import { findSourceEnvironment } from "~/server/services/pr-environments";
import { router, teamProcedure } from "../trpc";

/** Ephemeral environments per pull request: the live environment of a team's PR (to destroy it on close). */
export const prEnvironmentsRouter = router({
  find: teamProcedure
    .input(z.object({ repository: requestSource.shape.repository, pullRequest: requestSource.shape.pullRequest }))
    .query(({ ctx, input }) => findSourceEnvironment(ctx.db, ctx.viewer, { ...input, teamId: ctx.team.id })),
});
