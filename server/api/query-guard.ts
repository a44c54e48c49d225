/**
 * The query string of a REST route, checked before anything reads it: a bounded number of
 * short parameters without control characters (a NUL would reach PostgreSQL, which refuses it
 * with a 500, and the log). The refusal is a 400 naming the parameter.
 */
import { jsonAnswer } from "./csv-download";
import { controlCharacterIn } from "./input-limits";

export const queryLimits = { maxParameters: 30, maxNameLength: 100, maxValueLength: 2_000 } as const;

const printable = (name: string) => name.slice(0, 40).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

/** A 400 answer when the URL's query breaks the limits, else null. */
export function queryRefusal(request: Request): Response | null {
  const params = [...new URL(request.url).searchParams];
  if (params.length > queryLimits.maxParameters) return jsonAnswer(400, { error: `Invalid query: at most ${queryLimits.maxParameters} parameters.` });
  for (const [name, value] of params) {
    const problem =
      name.length > queryLimits.maxNameLength || controlCharacterIn(name)
        ? "is not a valid parameter name"
        : value.length > queryLimits.maxValueLength
          ? `at most ${queryLimits.maxValueLength} characters`
          : controlCharacterIn(value)
            ? `must not contain control characters (found ${controlCharacterIn(value)})`
            : null;
    if (problem) return jsonAnswer(400, { error: `Invalid query: ${printable(name)} ${problem}.`, fieldErrors: { [printable(name)]: [problem] } });
  }
  return null;
}
