import { platformOverview } from "~/server/services/platform-overview";
import { oversightProcedure, router } from "../trpc";

export const homeRouter = router({
  /** The admin's and auditor's home page: failing runs, the queue, worker health, spend against budgets. */
  platform: oversightProcedure.query(({ ctx }) => platformOverview(ctx.db)),
});
