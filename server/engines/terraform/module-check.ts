/**
 * What templates:check (and the sync and the curation editor) verify about a terraform template
 * beyond its format: parameter names do not collide with Provisio's own variables, and each
 * `module` resource matches the module in `module/`: every input is a variable the module
 * declares, every variable without a default is set, the module accepts the tags
 * (`variable "tags"` of a map of strings), references name outputs the module has, and outputs
 * that read a sensitive module output are sensitive themselves.
 */
import { referencesIn } from "~/server/templates/expressions";
import type { TemplateSpec } from "~/server/templates/format";
import { acceptsTagMap, inspectModule } from "./module-inspect";
import { reservedVariablePrefix } from "./root-module";

export type ModuleIssue = { path: (string | number)[]; message: string };

export const tagsContract =
  'declare variable "tags" { type = map(string), default = {} } in the module and merge it into the tags of everything it creates';

export function moduleIssues(spec: TemplateSpec, sources: Readonly<Record<string, string>> | undefined): ModuleIssue[] {
  const issues: ModuleIssue[] = [];
  spec.parameters.forEach((p, i) => {
    if (p.name.startsWith(reservedVariablePrefix))
      issues.push({
        path: ["spec", "parameters", i, "name"],
        message: `names starting with ${reservedVariablePrefix} are reserved for the variables Provisio sets`,
      });
  });
  const modules = spec.resources.map((r, i) => ({ r, i })).filter(({ r }) => r.type === "module");
  if (!sources || modules.length === 0 || !Object.keys(sources).some((f) => f.endsWith(".tf") || f.endsWith(".tf.json"))) return issues;

  const inspection = inspectModule(sources);
  for (const problem of inspection.problems) issues.push({ path: ["spec", "resources"], message: problem });
  const declared = [...inspection.variables.keys()].sort().join(", ") || "none";
  for (const { r, i } of modules) {
    const path = ["spec", "resources", i, "properties"];
    const inputs = r.properties.inputs && typeof r.properties.inputs === "object" ? (r.properties.inputs as Record<string, unknown>) : {};
    const tags = inspection.variables.get("tags");
    if (!tags) issues.push({ path: [...path, "source"], message: `the module does not accept Provisio's tags: ${tagsContract}` });
    else if (!acceptsTagMap(tags.type))
      issues.push({
        path: [...path, "source"],
        message: `variable "tags" in ${tags.file} has type ${tags.type}; it must take a map of strings: ${tagsContract}`,
      });
    for (const name of Object.keys(inputs)) {
      if (!inspection.variables.has(name))
        issues.push({ path: [...path, "inputs", name], message: `the module has no variable "${name}" (it declares ${declared})` });
    }
    for (const variable of inspection.variables.values()) {
      if (!variable.hasDefault && variable.name !== "tags" && !(variable.name in inputs)) {
        issues.push({
          path: [...path, "inputs"],
          message: `the module's variable "${variable.name}" (${variable.file}) has no default: set it in inputs`,
        });
      }
    }
  }

  // References to module outputs, from resources and outputs.
  const moduleIds = new Set(modules.map(({ r }) => r.id));
  const outputNames = [...inspection.outputs.keys()].sort().join(", ") || "none";
  const checkRefs = (path: (string | number)[], value: unknown) => {
    for (const ref of referencesIn(value)) {
      if (ref.kind === "resource" && moduleIds.has(ref.id) && ref.attribute !== "*" && !inspection.outputs.has(ref.attribute)) {
        issues.push({ path, message: `the module has no output "${ref.attribute}" (it has ${outputNames})` });
      }
    }
  };
  spec.resources.forEach((r, i) => checkRefs(["spec", "resources", i, "properties"], r.properties));
  spec.outputs.forEach((o, i) => {
    checkRefs(["spec", "outputs", i, "value"], o.value);
    const secret = referencesIn(o.value).find(
      (ref) => ref.kind === "resource" && moduleIds.has(ref.id) && inspection.outputs.get(ref.attribute)?.sensitive,
    );
    if (secret && secret.kind === "resource" && !o.sensitive) {
      issues.push({
        path: ["spec", "outputs", i, "sensitive"],
        message: `reads the module's sensitive output "${secret.attribute}": set sensitive: true so it is stored encrypted and shown masked`,
      });
    }
  });
  return issues;
}
