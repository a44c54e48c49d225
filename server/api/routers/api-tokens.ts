import { createPersonalTokenInput, createServiceTokenInput, revokeTokenInput, tokenSettingsInput } from "~/server/schemas/api-tokens";
import {
  createPersonalToken,
  createServiceToken,
  listPersonalTokens,
  listServiceTokens,
  revokeToken,
  setTokenSettings,
  tokenSettings,
} from "~/server/services/api-tokens";
import { adminProcedure, authedProcedure, router, teamApproverProcedure } from "../trpc";

/**
 * API tokens: everyone manages their personal tokens (account settings); a team's approvers and
 * admins its service tokens (team settings); admins the longest lifetime. The token itself is
 * only in the create answer.
 */
export const apiTokensRouter = router({
  settings: authedProcedure.query(({ ctx }) => tokenSettings(ctx.db)),
  setSettings: adminProcedure.input(tokenSettingsInput).mutation(({ ctx, input }) => setTokenSettings(ctx.db, ctx.viewer, input)),
  listMine: authedProcedure.query(({ ctx }) => listPersonalTokens(ctx.db, ctx.viewer)),
  createPersonal: authedProcedure.input(createPersonalTokenInput).mutation(({ ctx, input }) => createPersonalToken(ctx.db, ctx.viewer, input)),
  listTeam: teamApproverProcedure.query(({ ctx }) => listServiceTokens(ctx.db, ctx.team.id)),
  createService: teamApproverProcedure.input(createServiceTokenInput).mutation(({ ctx, input }) => createServiceToken(ctx.db, ctx.viewer, input)),
  /** The service decides who may (owner, admin, the team's approvers) and answers NOT_FOUND to others. */
  revoke: authedProcedure.input(revokeTokenInput).mutation(({ ctx, input }) => revokeToken(ctx.db, ctx.viewer, input.tokenId)),
});
