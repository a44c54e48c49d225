import { z } from "zod";
import { failureCauses, runStatuses } from "~/db/vocabulary";
import { sloTeamScope } from "~/server/services/slo/access";
import { debugDashboard } from "~/server/services/slo/debug";
import { executiveDashboard } from "~/server/services/slo/executive";
import { oncallDashboard } from "~/server/services/slo/oncall";
import { listRuns } from "~/server/services/slo/runs-list";
import { setTarget, setTargetInput } from "~/server/services/slo/settings";
import { listTargets } from "~/server/services/slo/targets";
import { adminProcedure, router, sloReaderProcedure } from "../trpc";

const DAY = 86_400_000;
const teamId = z.union([z.literal("all"), z.uuid()], { error: "must be a team id or 'all'" });
const rangeInput = z
  .object({
    teamId,
    from: z.iso.datetime({ error: "must be an ISO date-time" }),
    to: z.iso.datetime({ error: "must be an ISO date-time" }).optional(),
    template: z.string().max(100).optional(),
    engine: z.string().max(40).optional(),
    tier: z.enum(["dev", "staging", "prod"]).optional(),
  })
  .refine((i) => new Date(i.from).getTime() < new Date(i.to ?? Date.now()).getTime(), { error: "must be before to", path: ["from"] })
  .refine((i) => new Date(i.to ?? Date.now()).getTime() - new Date(i.from).getTime() <= 92 * DAY, {
    error: "a range is at most 92 days",
    path: ["from"],
  });

type RangeInput = z.infer<typeof rangeInput>;
const scopeOf = (viewer: Parameters<typeof sloTeamScope>[0], input: RangeInput) => ({
  teamIds: sloTeamScope(viewer, input.teamId),
  from: new Date(input.from),
  to: input.to ? new Date(input.to) : new Date(),
  template: input.template || undefined,
  engine: input.engine || undefined,
  tier: input.tier,
});

export const sloRouter = router({
  targets: sloReaderProcedure.query(({ ctx }) => listTargets(ctx.db)),
  setTarget: adminProcedure.input(setTargetInput).mutation(({ ctx, input }) => setTarget(ctx.db, ctx.viewer, input)),
  executive: sloReaderProcedure.input(rangeInput).query(({ ctx, input }) => executiveDashboard(ctx.db, scopeOf(ctx.viewer, input))),
  oncall: sloReaderProcedure
    .input(z.object({ teamId }))
    .query(({ ctx, input }) => oncallDashboard(ctx.db, { teamIds: sloTeamScope(ctx.viewer, input.teamId), now: new Date() })),
  debug: sloReaderProcedure.input(rangeInput).query(({ ctx, input }) => debugDashboard(ctx.db, scopeOf(ctx.viewer, input))),
  runs: sloReaderProcedure
    .input(
      rangeInput.and(
        z.object({
          status: z.enum(runStatuses).optional(),
          cause: z.enum(failureCauses).optional(),
          order: z.enum(["recent", "slowest"]).optional(),
        }),
      ),
    )
    .query(({ ctx, input }) =>
      listRuns(ctx.db, scopeOf(ctx.viewer, input), { status: input.status, cause: input.cause, order: input.order, limit: 200 }),
    ),
});
