import { z } from "zod";
import {
  createDraftInput,
  deprecateInput,
  draftActionInput,
  restoreInput,
  updateDraftInput,
  validateDraftInput,
} from "~/server/schemas/template-curation";
import { getTemplateDetail, listCatalog } from "~/server/services/catalog";
import {
  createDraft,
  deleteDraft,
  deprecateTemplate,
  publishDraft,
  restoreTemplate,
  updateDraft,
  validateDraft,
} from "~/server/services/template-curation";
import { lastSyncRefusals } from "~/server/services/template-sync";
import { listDraftOnlyTemplates } from "~/server/services/template-versions";
import { adminProcedure, router } from "../trpc";
import { templateName } from "./catalog";

/** Catalog curation: admins only, every step audited. */
export const templateAdminRouter = router({
  /** Every template, deprecated ones and ones with only drafts included. */
  list: adminProcedure.query(async ({ ctx }) => ({
    templates: await listCatalog(ctx.db, { includeDeprecated: true, withDraftCounts: true }),
    draftOnly: await listDraftOnlyTemplates(ctx.db),
    /** Template files the last sync on start refused, with why. */
    refused: await lastSyncRefusals(ctx.db),
  })),
  get: adminProcedure
    .input(z.object({ name: templateName }))
    .query(({ ctx, input }) => getTemplateDetail(ctx.db, input.name, { includeDrafts: true })),
  validate: adminProcedure.input(validateDraftInput).mutation(({ input }) => validateDraft(input.yaml)),
  createDraft: adminProcedure.input(createDraftInput).mutation(({ ctx, input }) => createDraft(ctx.db, ctx.actor, input.yaml)),
  updateDraft: adminProcedure.input(updateDraftInput).mutation(({ ctx, input }) => updateDraft(ctx.db, ctx.actor, input)),
  deleteDraft: adminProcedure.input(draftActionInput).mutation(({ ctx, input }) => deleteDraft(ctx.db, ctx.actor, input)),
  publish: adminProcedure.input(draftActionInput).mutation(({ ctx, input }) => publishDraft(ctx.db, ctx.actor, input)),
  deprecate: adminProcedure.input(deprecateInput).mutation(({ ctx, input }) => deprecateTemplate(ctx.db, ctx.actor, input)),
  restore: adminProcedure.input(restoreInput).mutation(({ ctx, input }) => restoreTemplate(ctx.db, ctx.actor, input)),
});
