import { z } from "zod";

/**
 * Building blocks for resource property schemas. A property may hold a reference to another
 * resource's attribute, known only after apply; in a plan it is `{ $ref: "resources.x.id" }`.
 */
export const referenceValue = z.strictObject({ $ref: z.string() });
export type ReferenceValue = z.infer<typeof referenceValue>;

export const isReference = (value: unknown): value is ReferenceValue =>
  typeof value === "object" && value !== null && "$ref" in value && typeof (value as ReferenceValue).$ref === "string";

/** A value that is either `schema` or a reference resolved at apply time. */
export const orRef = <T extends z.ZodType>(schema: T) => z.union([schema, referenceValue]);

export const cidr = z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, "must be an IPv4 CIDR block like 10.0.0.0/16");
export const dnsLabel = z
  .string()
  .max(63, "at most 63 characters")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and '-', not starting or ending with '-'");
export const port = z.number().int().min(1).max(65535);
export const tagValue = z.string().max(256);

/** Properties that are plain numbers in the schema but let cost functions read them safely. */
export const num = (value: unknown, fallback = 0): number => (typeof value === "number" && Number.isFinite(value) ? value : fallback);
export const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
