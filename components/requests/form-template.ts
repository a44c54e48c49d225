import { durationHours, type TemplateDocument, type Tier } from "~/server/templates/format";
import type { FormTemplate, TtlBounds } from "./types";

/** What the request form needs of a template version's document and of its engine's capabilities (sent by the server). */
export function formTemplate(name: string, document: TemplateDocument, engine: { planPreview: boolean }): FormTemplate {
  const { spec } = document;
  const ttl: Partial<Record<Tier, TtlBounds>> = {};
  for (const tier of spec.tiers) {
    const t = spec.policy.ttl[tier];
    if (t) ttl[tier] = { defaultHours: durationHours(t.default), maxHours: durationHours(t.max) };
  }
  return {
    name,
    version: spec.version,
    title: document.metadata.title,
    planPreview: engine.planPreview,
    parameters: spec.parameters,
    tiers: spec.tiers,
    ttl,
  };
}
