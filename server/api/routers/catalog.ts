import { z } from "zod";
import { getTemplateDetail, listCatalog } from "~/server/services/catalog";
import { templateNamePattern } from "~/server/templates/format";
import { authedProcedure, router } from "../trpc";

export const templateName = z.string().regex(templateNamePattern, { error: "must be a template name" });

/** The catalog every signed-in user browses: published versions only, deprecated ones hidden from the list. */
export const catalogRouter = router({
  list: authedProcedure.query(({ ctx }) => listCatalog(ctx.db)),
  get: authedProcedure.input(z.object({ name: templateName })).query(({ ctx, input }) => getTemplateDetail(ctx.db, input.name)),
});
