import { costSummaryInput } from "~/server/schemas/costs";
import { costSummary } from "~/server/services/costs";
import { router, teamOrAllProcedure } from "../trpc";

export const costsRouter = router({
  /** A month of cost for a team (its members, admins, auditors) or every team ("all": admins and auditors). */
  summary: teamOrAllProcedure
    .input(costSummaryInput)
    .query(({ ctx, input }) => costSummary(ctx.db, { team: ctx.team, month: input.month, groupTag: input.groupTag })),
});
