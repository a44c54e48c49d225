/**
 * From a template version and parameter values to a plan: every resource to create, with its
 * resolved properties, region, size, tags and hourly cost. Pure; engines and the request form
 * share it, so what a user is shown is what gets applied.
 */
import { engineRegistry } from "~/server/engines/registry";
import { monthlyCents, priceLines, type PricedLine } from "~/server/engines/pricing";
import { str } from "~/server/engines/properties";
import type { ResourceUsage } from "~/server/engines/types";
import type { ParameterValue } from "~/server/schemas/template-parameters";
import { evaluate, type EvaluationContext } from "./expressions";
import { mandatoryTagKeys, type TemplateSpec, type Tier } from "./format";

export type PlanContext = {
  environmentName: string;
  tier: Tier;
  team: string;
  /** Values for the mandatory tags; those not known yet (ids before submit) show as pending. */
  tagValues?: Partial<Record<(typeof mandatoryTagKeys)[number], string>>;
};

export type PlannedResource = {
  /** `id`, or `id[n]` for counted resources. */
  address: string;
  id: string;
  index: number | null;
  type: string;
  title: string;
  region: string | null;
  size: string | null;
  properties: Record<string, unknown>;
  tags: Record<string, string>;
  costLines: PricedLine[];
  hourlyMicros: number;
  monthlyCents: number;
  usage: ResourceUsage;
};

export type Plan = {
  engine: TemplateSpec["engine"];
  resources: PlannedResource[];
  hourlyMicros: number;
  monthlyCents: number;
  /** What the plan counts against the team's quotas. */
  usage: ResourceUsage;
};

export const pendingTagValue = "(assigned on submit)";

/** How many instances of a resource: its count, 0 when its `when` is false. */
export function instanceCount(resource: TemplateSpec["resources"][number], ctx: EvaluationContext): number {
  if (resource.when !== undefined && evaluate(resource.when, ctx) !== true) return 0;
  if (resource.count === undefined) return 1;
  const count = evaluate(resource.count, ctx);
  return typeof count === "number" && Number.isInteger(count) && count >= 0 ? count : 0;
}

export function resourceTags(spec: TemplateSpec, ctx: EvaluationContext, plan: PlanContext, templateName: string): Record<string, string> {
  const mandatory: Record<string, string> = {};
  for (const key of mandatoryTagKeys) mandatory[key] = plan.tagValues?.[key] ?? pendingTagValue;
  mandatory.team = plan.tagValues?.team ?? plan.team;
  mandatory.tier = plan.tier;
  mandatory.template = templateName;
  mandatory["template-version"] = spec.version;
  mandatory["managed-by"] = "provisio";
  const extra = Object.fromEntries(Object.entries(spec.policy.tags).map(([k, v]) => [k, String(evaluate(v, ctx) ?? "")]));
  return { ...extra, ...mandatory };
}

/**
 * Plans `spec` with `params` (already validated against the parameter schema). Properties are
 * returned as resolved; the caller validates them against the engine's types when it must.
 */
export function planTemplate(templateName: string, spec: TemplateSpec, params: Record<string, ParameterValue | undefined>, plan: PlanContext): Plan {
  const catalog = engineRegistry[spec.engine];
  const resources: PlannedResource[] = [];
  const base: EvaluationContext = { params, env: { name: plan.environmentName, tier: plan.tier, team: plan.team }, index: null };
  const tags = resourceTags(spec, base, plan, templateName);
  for (const resource of spec.resources) {
    const definition = catalog.resourceTypes[resource.type];
    const count = instanceCount(resource, base);
    for (let i = 0; i < count; i++) {
      const ctx = { ...base, index: resource.count === undefined ? null : i };
      const evaluated = evaluate(resource.properties, ctx) as Record<string, unknown>;
      const parsed = definition?.properties.safeParse(evaluated);
      const properties = parsed?.success ? parsed.data : evaluated;
      const region = str(properties.region);
      const lines = definition ? priceLines(catalog.priceList, definition.cost(properties), region) : [];
      const hourly = lines.reduce((sum, l) => sum + l.hourlyMicros, 0);
      resources.push({
        address: resource.count === undefined ? resource.id : `${resource.id}[${i}]`,
        id: resource.id,
        index: ctx.index,
        type: resource.type,
        title: resource.title ?? definition?.title ?? resource.type,
        region,
        size: definition?.describeSize?.(properties) ?? null,
        properties,
        tags,
        costLines: lines,
        hourlyMicros: hourly,
        monthlyCents: monthlyCents(hourly, catalog.priceList.hoursPerMonth),
        usage: definition?.usage?.(properties) ?? { vcpus: 0, instances: 0, gpus: 0 },
      });
    }
  }
  const hourlyMicros = resources.reduce((sum, r) => sum + r.hourlyMicros, 0);
  const usage = resources.reduce((sum, r) => ({ vcpus: sum.vcpus + r.usage.vcpus, instances: sum.instances + r.usage.instances, gpus: sum.gpus + r.usage.gpus }), {
    vcpus: 0,
    instances: 0,
    gpus: 0,
  });
  return { engine: spec.engine, resources, hourlyMicros, monthlyCents: monthlyCents(hourlyMicros, catalog.priceList.hoursPerMonth), usage };
}
