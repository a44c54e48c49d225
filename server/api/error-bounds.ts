/**
 * Error answers of bounded size whatever the input: a message is cut at a fixed length, a zod
 * error lists its first few problems and counts the rest, field errors keep a few fields with a
 * few messages each. A caller never gets an answer that grows with what they sent.
 */
import { z, type ZodError } from "zod";

export const errorBounds = {
  maxMessage: 1_000,
  maxIssues: 10,
  maxFields: 20,
  maxMessagesPerField: 3,
  maxFieldMessage: 300,
  maxFieldName: 100,
} as const;

export function boundText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "field: problem; other: problem … and 12 more problems". */
export function describeZodError(error: ZodError): string {
  const shown = error.issues
    .slice(0, errorBounds.maxIssues)
    .map((i) => boundText(i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message, errorBounds.maxFieldMessage));
  const rest = error.issues.length - shown.length;
  return boundText(`${shown.join("; ")}${rest > 0 ? ` … and ${rest} more problem${rest === 1 ? "" : "s"}` : ""}`, errorBounds.maxMessage);
}

export function boundFieldErrors(fieldErrors: Record<string, string[] | undefined> | null | undefined): Record<string, string[]> | null {
  if (!fieldErrors) return null;
  const entries = Object.entries(fieldErrors)
    .filter((entry): entry is [string, string[]] => Array.isArray(entry[1]))
    .slice(0, errorBounds.maxFields)
    .map(([field, messages]) => [
      boundText(field, errorBounds.maxFieldName),
      messages.slice(0, errorBounds.maxMessagesPerField).map((m) => boundText(m, errorBounds.maxFieldMessage)),
    ]);
  return Object.fromEntries(entries) as Record<string, string[]>;
}

/** A zod error's problems by field, bounded (the shape forms read to show errors next to fields). */
export function zodFieldErrors(error: ZodError): Record<string, string[]> | null {
  return boundFieldErrors(z.flattenError(error).fieldErrors as Record<string, string[] | undefined>);
}
