/**
 * The REST API's (/api/v1) inputs and documented answers, built from the same schemas the forms
 * and tRPC use (server/schemas/*), so the OpenAPI document, the validation and the forms never
 * disagree. Query strings arrive as text: numbers are coerced here and nowhere else.
 */
import { z } from "zod";
import { updateChange } from "./updates";
import { environmentStatuses, requestStatuses } from "~/db/vocabulary";
import { templateNamePattern, tiers } from "~/server/templates/format";
import { costSummaryInput, costExportQuery } from "./costs";
import { listEnvironmentsInput } from "./environments";
import { extensionHours } from "./extensions";
import { listRequestsInput, requestFields, requestSource, submitRequestInput } from "./requests";

const id = (what: string) => z.uuid({ error: `must be ${what} id` });
const queryInt = (schema: z.ZodNumber) => z.coerce.number({ error: "must be a number" }).pipe(schema);

// Path parameters --------------------------------------------------------------------------------
export const templatePath = z.object({ name: z.string().regex(templateNamePattern, { error: "must be a template name" }) });
export const requestPath = z.object({ requestId: id("a request") });
export const environmentPath = z.object({ environmentId: id("an environment") });
export const outputPath = environmentPath.extend({ name: z.string().min(1).max(100) });
export const runPath = z.object({ runId: id("a run") });

// Queries ----------------------------------------------------------------------------------------
export const listRequestsQuery = listRequestsInput.extend({
  cursor: queryInt(z.number().int().positive()).optional(),
  limit: queryInt(z.number().int().min(1).max(100)).default(25),
});
export const listEnvironmentsQuery = listEnvironmentsInput.extend({
  expiringWithinHours: queryInt(
    z
      .number()
      .int()
      .min(1)
      .max(24 * 90),
  ).optional(),
  cursor: queryInt(z.number().int().positive()).optional(),
  limit: queryInt(z.number().int().min(1).max(100)).default(25),
});
export const runLogQuery = z.object({ after: queryInt(z.number().int().min(0)).default(0) });
export const costSummaryQuery = costSummaryInput;
export const costExportApiQuery = costExportQuery;

// Bodies -----------------------------------------------------------------------------------------
export const previewBody = requestFields.omit({ templateName: true });
export const createRequestBody = submitRequestInput.extend({
  /** Optional: the Idempotency-Key header is the API's way to make a retry safe. */
  clientRequestId: z.uuid({ error: "must be a uuid" }).optional(),
});
export const cancelBody = z.object({
  reason: z.string().trim().max(500, "at most 500 characters").default(""),
  /** The version you looked at; omitted = the current one. */
  expectedVersion: z.number().int().positive().optional(),
});
export const decisionBody = z.object({
  comment: z.string().trim().max(2000, "at most 2000 characters").default(""),
  expectedVersion: z.number().int().positive().optional(),
});
export const extendBody = z.object({
  hours: extensionHours,
  justification: z.string().trim().min(10, "say why, in at least 10 characters").max(2000, "at most 2000 characters"),
});
export const destroyBody = z.object({
  /** The environment's name, to confirm you mean this one. */
  confirmName: z.string().trim().min(1, "type the environment's name to confirm").max(100),
  expectedVersion: z.number().int().positive().optional(),
});
export const destroyBySourceBody = z.object({
  teamId: id("a team"),
  repository: requestSource.shape.repository,
  pullRequest: requestSource.shape.pullRequest,
});

// Answers (the fields clients rely on; more may be present) ---------------------------------------
const when = z.string().nullable();
export const catalogEntryAnswer = z.looseObject({ name: z.string(), title: z.string(), version: z.string() });
export const catalogListAnswer = z.array(catalogEntryAnswer);
export const templateAnswer = z.looseObject({ template: z.looseObject({ name: z.string() }), latest: z.looseObject({}).nullable() });
export const previewAnswer = z.looseObject({
  plan: z.looseObject({ resources: z.array(z.looseObject({ address: z.string() })) }),
  cost: z.looseObject({ monthlyCents: z.number() }),
  decision: z.looseObject({ outcome: z.enum(["auto_approved", "needs_approval", "denied"]) }),
  team: z.looseObject({ id: z.string() }),
});
export const createdRequestAnswer = z.looseObject({
  id: z.string(),
  number: z.string(),
  status: z.enum(requestStatuses),
  duplicate: z.boolean(),
  reused: z.boolean().optional(),
  environmentId: z.string().nullable().optional(),
  /** A re-used PR environment whose parameters changed: the update request queued for it, or why none was. */
  update: z
    .union([
      z.object({ queued: z.literal(true), requestId: z.string(), number: z.string(), status: z.string() }),
      z.object({ queued: z.literal(false), reason: z.string() }),
    ])
    .nullable()
    .optional(),
});
export const requestAnswer = z.looseObject({
  request: z.looseObject({ id: z.string(), label: z.string(), status: z.enum(requestStatuses), version: z.number() }),
  environment: z.looseObject({ id: z.string(), status: z.enum(environmentStatuses) }).nullable(),
  runs: z.array(z.looseObject({ id: z.string(), status: z.string() })),
});
export const requestListAnswer = z.looseObject({
  requests: z.array(z.looseObject({ id: z.string(), status: z.enum(requestStatuses) })),
  nextCursor: z.number().nullable(),
});
export const requestChangeAnswer = z.looseObject({ id: z.string(), status: z.enum(requestStatuses) });
export const environmentListAnswer = z.looseObject({
  environments: z.array(z.looseObject({ id: z.string(), name: z.string(), status: z.enum(environmentStatuses) })),
  nextCursor: z.number().nullable(),
});
export const environmentAnswer = z.looseObject({
  environment: z.looseObject({ id: z.string(), name: z.string(), status: z.enum(environmentStatuses), version: z.number(), expiresAt: when }),
  outputs: z.array(z.looseObject({ name: z.string(), sensitive: z.boolean() })),
  runs: z.array(z.looseObject({ id: z.string(), status: z.string() })),
});
export const outputsAnswer = z.object({
  outputs: z.array(z.object({ name: z.string(), title: z.string(), sensitive: z.boolean(), value: z.unknown().nullable() })),
});
export const revealAnswer = z.looseObject({ name: z.string(), value: z.unknown() });
export const extensionAnswer = z.looseObject({});
/** A change of a live environment (issue 14): the template version and parameters to move to. */
export const updateBody = updateChange.extend({
  justification: z.string().trim().min(10, "say why, in at least 10 characters").max(2000, "at most 2000 characters"),
});
export const updatePreviewAnswer = z.looseObject({});
export const updateAnswer = z.looseObject({ id: z.string(), status: z.string() });
/** Drift (issue 13): in sync, drifted (with the per-resource report) or check failed, and the recent checks. */
export const driftAnswer = z.looseObject({
  status: z.string().nullable(),
  report: z.looseObject({ resources: z.array(z.looseObject({ kind: z.string(), address: z.string() })) }).nullable(),
  history: z.array(z.looseObject({ result: z.enum(["in_sync", "drifted", "failed"]) })),
});
export const driftCheckAnswer = z.object({ runId: z.string() });
export const destroyAnswer = z.looseObject({});
export const runAnswer = z.looseObject({
  run: z.looseObject({ id: z.string(), kind: z.string(), status: z.string() }),
  events: z.array(z.looseObject({ id: z.number(), message: z.string() })),
});
export const costSummaryAnswer = z.looseObject({});
export const meAnswer = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), globalRole: z.enum(["admin", "auditor"]).nullable() }),
  teams: z.array(z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(["member", "approver"]) })),
  token: z.object({ id: z.string(), kind: z.enum(["personal", "service"]), name: z.string(), scopes: z.array(z.string()) }),
});

/** RFC 9457 problem details, with the field named when one is at fault. */
export const problemAnswer = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  field: z.string().nullable().optional(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
  correlationId: z.string().optional(),
});

export { tiers };
