import { z } from "zod";
import { globalRole } from "~/db/schema";
import { listUsers, setGlobalRole } from "~/server/services/users";
import { adminProcedure, oversightProcedure, router } from "../trpc";

export const usersRouter = router({
  list: oversightProcedure.query(({ ctx }) => listUsers(ctx.db)),

  setGlobalRole: adminProcedure
    .input(z.object({ userId: z.uuid({ error: "must be a user id" }), globalRole: z.enum(globalRole.enumValues).nullable() }))
    .mutation(({ ctx, input }) => setGlobalRole(ctx.db, ctx.actor, input)),
});
