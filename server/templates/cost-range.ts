/**
 * The monthly cost range shown on catalog cards: the cheapest and dearest plans a user can
 * choose, found by trying every combination of the parameters that change the price (enum
 * values, range ends, both booleans) when there are few, else one parameter at a time.
 */
import type { ParameterSpec, ParameterValue } from "~/server/schemas/template-parameters";
import type { TemplateDocument } from "./format";
import { planTemplate } from "./plan";

export type CostRange = { minMonthlyCents: number; maxMonthlyCents: number; defaultMonthlyCents: number };

const exhaustiveLimit = 4096;

function candidates(p: ParameterSpec): ParameterValue[] {
  if (p.type === "boolean") return [false, true];
  if (p.enum) return [...p.enum];
  const values = [p.default, p.minimum, p.maximum].filter((v): v is ParameterValue => v !== undefined);
  return values.length ? [...new Set(values)] : ["example"];
}

export function estimateCostRange(document: TemplateDocument): CostRange {
  const { spec } = document;
  const cost = (params: Record<string, ParameterValue>) =>
    planTemplate(document.metadata.name, spec, params, { environmentName: "estimate", tier: spec.tiers[0] ?? "dev", team: "estimate" }).monthlyCents;
  const options = spec.parameters.map((p) => ({ name: p.name, values: candidates(p) }));
  const defaults = Object.fromEntries(options.map((o) => [o.name, spec.parameters.find((p) => p.name === o.name)?.default ?? o.values[0] ?? ""]));
  const defaultMonthlyCents = cost(defaults);

  const combinations = options.reduce((n, o) => n * o.values.length, 1);
  if (combinations <= exhaustiveLimit) {
    let min = Infinity;
    let max = -Infinity;
    const walk = (i: number, params: Record<string, ParameterValue>) => {
      const option = options[i];
      if (!option) {
        const c = cost(params);
        min = Math.min(min, c);
        max = Math.max(max, c);
        return;
      }
      for (const v of option.values) walk(i + 1, { ...params, [option.name]: v });
    };
    walk(0, {});
    return { minMonthlyCents: min, maxMonthlyCents: max, defaultMonthlyCents };
  }
  // Too many combinations: move one parameter at a time towards the cheapest / dearest value.
  const extreme = (pick: (a: number, b: number) => boolean) => {
    const params = { ...defaults };
    for (const o of options) {
      let best = params[o.name] as ParameterValue;
      let bestCost = cost(params);
      for (const v of o.values) {
        const c = cost({ ...params, [o.name]: v });
        if (pick(c, bestCost)) [best, bestCost] = [v, c];
      }
      params[o.name] = best;
    }
    return cost(params);
  };
  return { minMonthlyCents: extreme((a, b) => a < b), maxMonthlyCents: extreme((a, b) => a > b), defaultMonthlyCents };
}
