import { z } from "zod";
import { canReadAllTeams } from "~/server/access/rules";
import { createTeamInput, setMemberInput, updateTeamInput } from "~/server/schemas/teams";
import { createTeam, getTeamWithMembers, listTeams, removeMembership, setMembership, updateTeam } from "~/server/services/teams";
import { adminProcedure, authedProcedure, router, teamProcedure } from "../trpc";

const teamId = z.uuid({ error: "must be a team id" });

export const teamsRouter = router({
  /** Teams the caller belongs to; admins and auditors see every team. */
  list: authedProcedure.query(({ ctx }) => listTeams(ctx.db, { userId: ctx.viewer.id, all: canReadAllTeams(ctx.viewer) })),

  get: teamProcedure.query(({ ctx }) => getTeamWithMembers(ctx.db, ctx.team.id)),

  create: adminProcedure.input(createTeamInput).mutation(({ ctx, input }) => createTeam(ctx.db, ctx.actor, input)),

  update: adminProcedure.input(updateTeamInput.extend({ teamId })).mutation(({ ctx, input }) => updateTeam(ctx.db, ctx.actor, input.teamId, input)),

  /** Adds a member, or changes the role of an existing one. */
  setMember: adminProcedure.input(setMemberInput).mutation(({ ctx, input }) => setMembership(ctx.db, ctx.actor, input)),

  removeMember: adminProcedure
    .input(z.object({ teamId, userId: z.uuid({ error: "must be a user id" }) }))
    .mutation(({ ctx, input }) => removeMembership(ctx.db, ctx.actor, input)),
});
