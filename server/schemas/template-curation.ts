import { z } from "zod";
import { maxTemplateBytes } from "~/server/templates/format";

/** Curation inputs: one schema for the admin editor and the API. */
const yaml = z
  .string()
  .min(1, "is empty")
  .max(maxTemplateBytes, `at most ${maxTemplateBytes / 1024} KB`);
const versionId = z.uuid({ error: "must be a template version id" });
const templateId = z.uuid({ error: "must be a template id" });

export const validateDraftInput = z.object({ yaml });
export const createDraftInput = z.object({ yaml });
export const updateDraftInput = z.object({ versionId, yaml, expectedLockVersion: z.number().int().positive() });
export const draftActionInput = z.object({ versionId, expectedLockVersion: z.number().int().positive() });
export const deprecateInput = z.object({
  templateId,
  reason: z.string().trim().min(3, "say why, in at least 3 characters").max(300, "at most 300 characters"),
});
export const restoreInput = z.object({ templateId });
