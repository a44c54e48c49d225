/**
 * The template.yaml format (apiVersion provisio.dev/v1), as one zod schema. Documented for
 * authors in templates/README.md; semantic checks that need more than one field (references,
 * engine types, policy per tier) live in validate.ts.
 */
import { z } from "zod";
import { engineNames } from "~/server/engines/types";
import { identifierPattern, parameterSpec } from "~/server/schemas/template-parameters";

export const templateApiVersion = "provisio.dev/v1";
/** template.yaml may be at most this big. */
export const maxTemplateBytes = 256 * 1024;
export const tiers = ["dev", "staging", "prod"] as const;
export type Tier = (typeof tiers)[number];
export const categories = ["compute", "database", "network", "storage", "ml", "ci", "kubernetes", "security", "messaging", "web"] as const;
export const approverRoles = ["team_approver", "admin"] as const;
export const failurePolicies = ["cleanup", "keep"] as const;

/** Tags every resource carries, whatever the template says (DESIGN.md, Engines). */
export const mandatoryTagKeys = [
  "environment-id",
  "request-id",
  "team",
  "owner",
  "tier",
  "template",
  "template-version",
  "cost-center",
  "expires-at",
  "managed-by",
] as const;

export const templateNamePattern = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const semver = z.string().regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/, "must be a version like 1.4.0 (major.minor.patch)");
/** "12h", "3d": hours or days. */
export const durationPattern = /^([1-9]\d{0,4})(h|d)$/;
const duration = z.string().regex(durationPattern, 'must be a duration like "12h" or "14d"');
const identifier = z.string().regex(identifierPattern, "must be a lowercase identifier (letters, digits, '_', at most 40)");
const tagKey = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "tag keys are lowercase letters, digits and '-'");
/** A literal, or a "${...}" expression (checked in validate.ts). */
const value: z.ZodType<unknown> = z.lazy(() => z.union([z.string().max(2000), z.number(), z.boolean(), z.null(), z.array(value).max(100), z.record(z.string(), value)]));

export const resourceSpec = z.strictObject({
  id: identifier,
  type: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a resource type name like instance or load_balancer"),
  title: z.string().max(80).optional(),
  /** How many to create: a whole number, or "${params.x}". */
  count: z.union([z.number().int().min(0).max(100, "at most 100"), z.string()]).optional(),
  /** Create only when true: a boolean or "${params.x}". */
  when: z.union([z.boolean(), z.string()]).optional(),
  properties: z.record(z.string(), value).default({}),
});

export const outputSpec = z.strictObject({
  name: identifier,
  /** Only when an optional resource it reads is created: the same "${params.x}" as that resource's `when`. */
  when: z.union([z.boolean(), z.string()]).optional(),
  title: z.string().max(80).optional(),
  value: z.string().max(500),
  sensitive: z.boolean().default(false),
});

const approvalStage = z.strictObject({
  from: z.enum(approverRoles, { error: "must be team_approver or admin" }),
  count: z.number().int().min(1, "at least 1").max(5, "at most 5"),
});

const tierRecord = <T extends z.ZodType>(schema: T) => z.partialRecord(z.enum(tiers, { error: "must be dev, staging or prod" }), schema);

export const policySpec = z.strictObject({
  ttl: tierRecord(z.strictObject({ default: duration, max: duration })),
  /** Per tier, the approval stages in order; [] means auto-approved. */
  approvals: tierRecord(z.array(approvalStage).max(3)),
  /** Above this estimated monthly cost, one more approval is needed (e.g. an admin). */
  costApproval: z
    .strictObject({ aboveMonthlyUsd: z.number().int().min(0), from: z.enum(approverRoles, { error: "must be team_approver or admin" }), count: z.number().int().min(1).max(5).default(1) })
    .optional(),
  /** Tags added to every resource, besides the mandatory ones; values may use ${params.x}. */
  tags: z.record(tagKey, z.string().max(256)).default({}),
  /** Tags that must be present on every resource (mandatory ones or from `tags`). */
  requiredTags: z.array(tagKey).max(30).default([]),
  /**
   * Changes to a live environment (issue 14): per tier, the approval stages of an update (absent:
   * the same as a create), and the tiers where a change that only lowers cost and size applies
   * without approval.
   */
  updates: z
    .strictObject({
      approvals: tierRecord(z.array(approvalStage).max(3)).optional(),
      autoApplyDecreases: z.array(z.enum(tiers, { error: "must be dev, staging or prod" })).max(3).default([]),
    })
    .optional(),
  /** After a failed apply: destroy what was created (cleanup), or keep it for inspection. */
  onFailure: z.enum(failurePolicies, { error: "must be cleanup or keep" }).default("cleanup"),
  /** Drift checks (issue 13): how often per tier (default dev 24h, staging 6h, prod 1h), and auto-reconcile per tier (off by default). */
  drift: z
    .strictObject({
      checkEvery: tierRecord(duration).default({}),
      autoReconcile: tierRecord(z.boolean({ error: "must be true or false" })).default({}),
    })
    .optional(),
});

export const templateDocument = z.strictObject({
  apiVersion: z.literal(templateApiVersion, { error: `must be ${templateApiVersion}` }),
  kind: z.literal("Template", { error: "must be Template" }),
  metadata: z.strictObject({
    name: z.string().regex(templateNamePattern, "must be lowercase letters, digits and '-' (at most 40), like web-service"),
    title: z.string().trim().min(3, "at least 3 characters").max(80, "at most 80 characters"),
    description: z.string().trim().min(10, "at least 10 characters").max(2000, "at most 2000 characters"),
    category: z.enum(categories, { error: `must be one of ${categories.join(", ")}` }),
    /** The team that maintains the template (a name people can contact). */
    owner: z.string().trim().min(2).max(80),
    icon: z.string().regex(/^[a-z-]{2,30}$/).optional(),
    tags: z.array(z.string().regex(/^[a-z0-9-]{1,30}$/, "lowercase words with '-'")).max(12).default([]),
  }),
  spec: z.strictObject({
    version: semver,
    engine: z.enum(engineNames, { error: `must be one of ${engineNames.join(", ")}` }),
    tiers: z.array(z.enum(tiers, { error: "must be dev, staging or prod" })).min(1, "at least one tier").max(3),
    parameters: z.array(parameterSpec).max(40).default([]),
    resources: z.array(resourceSpec).min(1, "at least one resource").max(60),
    outputs: z.array(outputSpec).max(30).default([]),
    policy: policySpec,
  }),
});

export type TemplateDocument = z.infer<typeof templateDocument>;
export type TemplateSpec = TemplateDocument["spec"];
export type ResourceSpec = z.infer<typeof resourceSpec>;
export type PolicySpec = z.infer<typeof policySpec>;

/** "3d" → 72. */
export function durationHours(value: string): number {
  const match = durationPattern.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * (match[2] === "d" ? 24 : 1);
}

/** "1.10.2" → comparable tuple. */
export function parseSemver(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  return [major, minor, patch];
}

export function compareSemver(a: string, b: string): number {
  const [x, y] = [parseSemver(a), parseSemver(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
