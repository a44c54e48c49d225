import { z } from "zod";
import { runLog } from "~/server/services/runs";
import { router, runProcedure } from "../trpc";

/** Runs: whoever reads the environment's team reads its runs (runProcedure answers NOT_FOUND otherwise). */
export const runsRouter = router({
  /** The run's status and its log lines after `after` (a log line id), a page at a time. */
  get: runProcedure
    .input(z.object({ after: z.number({ error: "must be a log line id" }).int().min(0).default(0) }))
    .query(({ ctx, input }) => runLog(ctx.db, ctx.run, input.after)),
});
