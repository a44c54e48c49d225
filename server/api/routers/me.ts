import { authedProcedure, router } from "../trpc";

export const meRouter = router({
  /** The caller's profile, global role and team memberships. */
  get: authedProcedure.query(({ ctx }) => ctx.viewer),
});
