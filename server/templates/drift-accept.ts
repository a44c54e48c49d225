/**
 * Accepting drift (issue 13): which template parameters would make the desired state equal to
 * what really exists. Only a property the template sets from one parameter can be accepted:
 *   - the whole value is `${params.x}`: x becomes the actual value (its type kept);
 *   - a string with one `${params.x}` and literal text around it (`${params.prefix}.0.0/16`):
 *     x becomes the actual text between the same literals.
 * Not invertible, so never accepted: literal values, values with several references or with
 * resource/env/index references, objects and lists, missing or extra resources (their count is
 * not a property) and tags (set by the portal's tag policy). Every new value must also be one
 * the parameter allows (type, enum, range, pattern), and two properties may not ask one
 * parameter for different values. Pure.
 */
import type { DriftReport } from "~/server/engines/drift";
import { parameterValueSchema, type ParameterSpec, type ParameterValue } from "~/server/schemas/template-parameters";
import { parseExpressionString } from "./expressions";
import type { TemplateDocument } from "./format";

/** One drifted item and what accepting it would take: the parameter and its new value, or why it cannot. */
export type AcceptItem = { address: string; path: string; actual: unknown } & (
  | { parameter: string; value: ParameterValue }
  | { parameter: null; why: string }
);

export type AcceptPlan =
  | { acceptable: true; parameters: Record<string, ParameterValue>; items: AcceptItem[] }
  | { acceptable: false; why: string; items: AcceptItem[] };

const shown = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The template resource id of a plan address (`subnets[1]` → `subnets`). */
const resourceIdOf = (address: string) => address.replace(/\[\d+\]$/, "");

/** The parameter and value that make `expression` evaluate to `actual`, or why none does. */
function invert(expression: unknown, actual: unknown, specs: ReadonlyMap<string, ParameterSpec>): { parameter: string; value: ParameterValue } | string {
  if (typeof expression !== "string") return "the template sets this property to a fixed value, not from a parameter";
  const { segments, errors } = parseExpressionString(expression);
  const refs = segments.filter((s) => typeof s !== "string");
  if (errors.length || refs.length === 0) return "the template sets this property to a fixed value, not from a parameter";
  if (refs.length > 1) return "the template builds this property from several values, so one actual value cannot be split back into them";
  const ref = refs[0]!.ref;
  if (ref.kind !== "param") return "the template sets this property from another resource or the environment, not from a parameter";
  const spec = specs.get(ref.name);
  if (!spec) return `the template's parameter ${ref.name} no longer exists`;
  let value: unknown = actual;
  if (segments.length > 1) {
    const at = segments.findIndex((s) => typeof s !== "string");
    const prefix = segments.slice(0, at).join("");
    const suffix = segments.slice(at + 1).join("");
    if (typeof actual !== "string" || !actual.startsWith(prefix) || !actual.endsWith(suffix) || actual.length < prefix.length + suffix.length)
      return `the actual value ${shown(actual)} does not have the template's form ${expression}`;
    const middle = actual.slice(prefix.length, actual.length - suffix.length);
    value = spec.type === "integer" || spec.type === "number" ? (/^-?\d+(\.\d+)?$/.test(middle) ? Number(middle) : middle) : middle;
  }
  const checked = parameterValueSchema(spec).safeParse(value);
  if (!checked.success)
    return `${shown(value)} is not a value the template allows for ${spec.title} (${ref.name}): ${checked.error.issues[0]?.message ?? "invalid"}`;
  return { parameter: ref.name, value: checked.data };
}

/** What accepting `report` as desired would change in `current` parameters of `document`. */
export function planDriftAccept(document: TemplateDocument, current: Readonly<Record<string, unknown>>, report: DriftReport): AcceptPlan {
  const specs = new Map(document.spec.parameters.map((p) => [p.name, p]));
  const resources = new Map(document.spec.resources.map((r) => [r.id, r]));
  const items: AcceptItem[] = [];
  for (const drift of report.resources) {
    if (drift.kind !== "changed") {
      const why = drift.kind === "missing" ? "it was deleted outside the portal: reconcile re-creates it" : "the portal never asked for it: reconcile deletes it";
      items.push({ address: drift.address, path: "(resource)", actual: drift.kind, parameter: null, why });
      continue;
    }
    for (const tag of drift.tags)
      items.push({ address: drift.address, path: `tags.${tag.path}`, actual: tag.actual, parameter: null, why: "tags are set by the portal's tag policy" });
    for (const property of drift.properties) {
      const template = resources.get(resourceIdOf(drift.address));
      const found = template ? invert(template.properties[property.path], property.actual, specs) : "the template has no such resource";
      items.push(
        typeof found === "string"
          ? { address: drift.address, path: property.path, actual: property.actual, parameter: null, why: found }
          : { address: drift.address, path: property.path, actual: property.actual, ...found },
      );
    }
  }
  if (!items.length) return { acceptable: false, why: "There is no drift to accept.", items };
  const blocked = items.find((i) => i.parameter === null);
  if (blocked && blocked.parameter === null)
    return { acceptable: false, why: `${blocked.address} ${blocked.path} cannot be accepted: ${blocked.why}.`, items };
  const parameters: Record<string, ParameterValue> = {};
  for (const item of items) {
    if (item.parameter === null) continue;
    const earlier = parameters[item.parameter];
    if (earlier !== undefined && earlier !== item.value)
      return {
        acceptable: false,
        why: `Two drifted properties need ${item.parameter} to be ${shown(earlier)} and ${shown(item.value)}: one parameter cannot hold both.`,
        items,
      };
    parameters[item.parameter] = item.value;
  }
  const changed = Object.fromEntries(Object.entries(parameters).filter(([name, value]) => current[name] !== value));
  if (!Object.keys(changed).length)
    return { acceptable: false, why: "The parameters already ask for these values: reconcile or check again instead.", items };
  return { acceptable: true, parameters: changed, items };
}
