import { z } from "zod";
import { getTemplateDetail, listCatalog, previewRequestPlan } from "~/server/services/catalog";
import { templateNamePattern, tiers } from "~/server/templates/format";
import { cachedRead } from "../read-cache";
import { authedProcedure, router, teamMemberProcedure } from "../trpc";

export const templateName = z.string().regex(templateNamePattern, { error: "must be a template name" });

/** The catalog every signed-in user browses: published versions only, deprecated ones hidden from the list. */
export const catalogRouter = router({
  list: authedProcedure.query(({ ctx }) => cachedRead(ctx, "catalog.list", null, () => listCatalog(ctx.db), { shared: true })),
  get: authedProcedure.input(z.object({ name: templateName })).query(({ ctx, input }) => getTemplateDetail(ctx.db, input.name)),

  /** The plan and cost of a request with these values, for a team the caller belongs to. */
  preview: teamMemberProcedure
    .input(
      z.object({
        name: templateName,
        version: z
          .string()
          .regex(/^\d+\.\d+\.\d+$/, { error: "must be a version like 1.0.0" })
          .optional(),
        tier: z.enum(tiers, { error: "must be dev, staging or prod" }),
        environmentName: z.string().regex(templateNamePattern, { error: "lowercase letters, digits and '-' (at most 40)" }),
        parameters: z.record(z.string(), z.unknown()),
      }),
    )
    .query(({ ctx, input }) => previewRequestPlan(ctx.db, { ...input, teamSlug: ctx.team.slug })),
});
