/**
 * Parameter values for a template version, checked on the server by the same schema the
 * form uses: every wrong value is reported with its field, and nothing goes on with bad input.
 *
 * The answer stays small whatever the input: unknown keys are found before the schema runs and
 * reported in one message that lists a few of them and counts the rest (zod would repeat the
 * whole key list once per key, which grows with the square of the key count).
 */
import {
  maxListedNames,
  parameterValuesSchema,
  shownName,
  unknownParametersMessage,
  type ParameterSpec,
  type ParameterValues,
} from "~/server/schemas/template-parameters";
import { ServiceError } from "~/server/core/errors";

const notAnObject = "must be an object of parameter values";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function validateParameterValues(parameters: readonly ParameterSpec[], values: unknown): ParameterValues {
  if (!isRecord(values)) throw new ServiceError("invalid", `Invalid parameters: ${notAnObject}`, "parameters", { parameters: [notAnObject] });

  const known = new Set(parameters.map((p) => p.name));
  const unknown = Object.keys(values).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    const listed = unknown.slice(0, maxListedNames);
    const fieldErrors = Object.fromEntries(listed.map((key) => [`parameters.${shownName(key)}`, [`unknown parameter: ${shownName(key)}`]]));
    throw new ServiceError("invalid", `Invalid parameters: ${unknownParametersMessage(unknown)}`, `parameters.${shownName(listed[0]!)}`, fieldErrors);
  }

  const result = parameterValuesSchema(parameters).safeParse(values);
  if (result.success) return result.data as ParameterValues;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) (fieldErrors[`parameters.${String(issue.path[0] ?? "")}`] ??= []).push(issue.message);
  const summary = Object.entries(fieldErrors)
    .map(([field, messages]) => `${field.slice("parameters.".length)}: ${messages.join(", ")}`)
    .join("; ");
  const [first] = Object.keys(fieldErrors);
  throw new ServiceError("invalid", `Invalid parameters: ${summary}`, first, fieldErrors);
}
