import { durationHours, type TemplateDocument, type Tier } from "~/server/templates/format";
import type { FormTemplate, TtlBounds } from "./types";

/** What the request form needs of a template version's document. */
export function formTemplate(name: string, document: TemplateDocument): FormTemplate {
  const { spec } = document;
  const ttl: Partial<Record<Tier, TtlBounds>> = {};
  for (const tier of spec.tiers) {
    const t = spec.policy.ttl[tier];
    if (t) ttl[tier] = { defaultHours: durationHours(t.default), maxHours: durationHours(t.max) };
  }
  return { name, version: spec.version, title: document.metadata.title, engine: spec.engine, parameters: spec.parameters, tiers: spec.tiers, ttl };
}
