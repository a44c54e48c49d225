/**
 * Parameter values for a template version, checked on the server by the same schema the
 * form uses: every wrong value is reported with its field, and nothing goes on with bad input.
 */
import { parameterValuesSchema, type ParameterSpec, type ParameterValues } from "~/server/schemas/template-parameters";
import { ServiceError } from "~/server/core/errors";

export function validateParameterValues(parameters: readonly ParameterSpec[], values: unknown): ParameterValues {
  const result = parameterValuesSchema(parameters).safeParse(values);
  if (result.success) return result.data as ParameterValues;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const fields = issue.code === "unrecognized_keys" ? issue.keys : [String(issue.path[0] ?? "")];
    for (const field of fields) (fieldErrors[`parameters.${field}`] ??= []).push(issue.message);
  }
  const summary = Object.entries(fieldErrors)
    .map(([field, messages]) => `${field.slice("parameters.".length)}: ${messages.join(", ")}`)
    .join("; ");
  const [first] = Object.keys(fieldErrors);
  throw new ServiceError("invalid", `Invalid parameters: ${summary}`, first, fieldErrors);
}
