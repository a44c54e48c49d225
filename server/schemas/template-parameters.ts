/**
 * Template parameters: the one schema that drives the request form in the browser and the
 * validation on the server. `parameterSpec` is how a template declares a parameter;
 * `parameterValuesSchema` turns a template's parameters into the zod schema for values.
 */
import { z } from "zod";

export const identifierPattern = /^[a-z][a-z0-9_]{0,39}$/;
const identifier = z.string().regex(identifierPattern, "must be a lowercase identifier (letters, digits, '_', at most 40)");

/**
 * Free text in a parameter may only use these characters: no quotes, `$`, `{`, `;`, `|`,
 * backticks, newlines, `%` or `\`, so no value can break out into a shell, HCL or SQL.
 */
export const safeTextPattern = /^[\p{L}\p{N} ._:/@,+=-]*$/u;
export const safeTextMessage = "may contain only letters, digits, spaces and . _ : / @ , + = -";
/** Sequences that are harmless alone but start comments or interpolation in SQL and HCL. */
const injectionSequences = ["--", "/*", "*/", "${", "%{"];

export const defaultMaxLength = 64;
export const hardMaxLength = 256;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const parameterSpec = z
  .strictObject({
    name: identifier,
    title: z.string().trim().min(1, "is required").max(80, "at most 80 characters"),
    help: z.string().max(500, "at most 500 characters").optional(),
    type: z.enum(["string", "integer", "number", "boolean"], { error: "must be string, integer, number or boolean" }),
    default: scalar.optional(),
    /** A typical value, shown as the input's placeholder; checks use it when there is no default. */
    example: scalar.optional(),
    required: z.boolean().default(true),
    enum: z
      .array(z.union([z.string(), z.number()]))
      .min(1, "needs at least one value")
      .max(100)
      .optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    minLength: z.number().int().min(0).max(hardMaxLength).optional(),
    maxLength: z.number().int().min(1).max(hardMaxLength, `at most ${hardMaxLength}`).optional(),
    pattern: z
      .string()
      .max(200)
      .refine((p) => {
        try {
          new RegExp(p, "u");
          return true;
        } catch {
          return false;
        }
      }, "is not a valid regular expression")
      .optional(),
    /** What the pattern means, shown instead of the raw expression when a value does not match. */
    patternHelp: z.string().max(120).optional(),
    /** Shown after the input, e.g. "GB". */
    unit: z.string().max(16).optional(),
  })
  .superRefine((p, ctx) => {
    const numeric = p.type === "integer" || p.type === "number";
    if (!numeric && (p.minimum !== undefined || p.maximum !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["minimum"], message: `minimum/maximum apply to integer and number parameters, not ${p.type}` });
    }
    if (p.type !== "string" && (p.pattern !== undefined || p.minLength !== undefined || p.maxLength !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["pattern"], message: `pattern/minLength/maxLength apply to string parameters, not ${p.type}` });
    }
    if (p.type === "boolean" && p.enum) ctx.addIssue({ code: "custom", path: ["enum"], message: "a boolean parameter cannot have enum" });
    if (p.minimum !== undefined && p.maximum !== undefined && p.minimum > p.maximum) {
      ctx.addIssue({ code: "custom", path: ["maximum"], message: "must not be below minimum" });
    }
  });

export type ParameterSpec = z.infer<typeof parameterSpec>;
export type ParameterValue = string | number | boolean;
export type ParameterValues = Record<string, ParameterValue>;

function stringSchema(p: ParameterSpec): z.ZodType<ParameterValue> {
  let s = z
    .string({ error: "must be text" })
    .max(p.maxLength ?? defaultMaxLength, `at most ${p.maxLength ?? defaultMaxLength} characters`)
    .min(p.minLength ?? (p.required ? 1 : 0), p.minLength ? `at least ${p.minLength} characters` : "is required")
    .regex(safeTextPattern, safeTextMessage)
    .refine((v) => !injectionSequences.some((seq) => v.includes(seq)), `must not contain ${injectionSequences.join(" ")}`);
  if (p.pattern) s = s.regex(new RegExp(p.pattern, "u"), p.patternHelp ?? `must match ${p.pattern}`);
  return s;
}

function enumSchema(p: ParameterSpec, values: (string | number)[]): z.ZodType<ParameterValue> {
  const list = values.map(String).join(", ");
  return z.custom<ParameterValue>((v) => values.some((allowed) => allowed === v), { error: `must be one of: ${list}` });
}

function numberSchema(p: ParameterSpec): z.ZodType<ParameterValue> {
  let s = z.number({ error: "must be a number" });
  if (p.type === "integer") s = s.int("must be a whole number");
  if (p.minimum !== undefined) s = s.min(p.minimum, `at least ${p.minimum}${p.unit ? ` ${p.unit}` : ""}`);
  if (p.maximum !== undefined) s = s.max(p.maximum, `at most ${p.maximum}${p.unit ? ` ${p.unit}` : ""}`);
  return s;
}

/** The zod schema one parameter's value must satisfy. */
export function parameterValueSchema(p: ParameterSpec): z.ZodType<ParameterValue> {
  if (p.type === "boolean") return z.boolean({ error: "must be true or false" });
  const base = p.type === "string" ? stringSchema(p) : numberSchema(p);
  if (!p.enum) return base;
  return z.intersection(base, enumSchema(p, p.enum)) as unknown as z.ZodType<ParameterValue>;
}

/**
 * Values for a template's parameters: unknown keys refused, defaults applied, every value
 * checked against its parameter's type, range, length, pattern and the safe-text rule.
 */
export function parameterValuesSchema(parameters: readonly ParameterSpec[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const p of parameters) {
    const value = parameterValueSchema(p);
    shape[p.name] = p.default !== undefined ? value.default(p.default as never) : p.required ? value : value.optional();
  }
  return z.strictObject(shape, { error: (issue) => (issue.code === "unrecognized_keys" ? unknownParametersMessage(issue.keys) : undefined) });
}

/** How many names a message lists before it says "and K more": a message never grows with the input. */
export const maxListedNames = 10;
const maxShownNameLength = 40;

/** A name as a message may show it: unprintable characters replaced, at most 40 characters. */
export function shownName(name: string): string {
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return printable.length > maxShownNameLength ? `${printable.slice(0, maxShownNameLength - 1)}…` : printable;
}

/** "a, b, c" or "a, b, … and 1,234 more": the first few names, the rest counted. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, maxListedNames).map(shownName).join(", ");
  const rest = names.length - maxListedNames;
  return rest > 0 ? `${shown} and ${rest.toLocaleString("en-US")} more` : shown;
}

export function unknownParametersMessage(names: readonly string[]): string {
  return `unknown parameter${names.length === 1 ? "" : "s"}: ${listNames(names)}`;
}

/** The values a new request form starts with. */
export function parameterDefaults(parameters: readonly ParameterSpec[]): Partial<ParameterValues> {
  return Object.fromEntries(parameters.filter((p) => p.default !== undefined).map((p) => [p.name, p.default as ParameterValue]));
}
