/** Inputs of changing a live environment (issue 14), shared by the API, the CLI and the form. */
import { z } from "zod";

const semver = z.string().regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/, "must be a version like 1.0.1");

export const updateChange = z.object({
  /** Another published version of the environment's template; absent: the current one. */
  templateVersion: semver.optional(),
  /** The parameters to change; the others keep their current values. */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** Required when a stateful resource (database, volume, bucket) would be replaced or deleted. */
  confirmDestructive: z.boolean().optional(),
  /** Moving to an older version: only as an explicit rollback by a team approver or an admin. */
  rollback: z.boolean().optional(),
});

export const previewUpdateInput = updateChange.extend({
  environmentId: z.uuid({ error: "must be an environment id" }),
  /** The pending change being edited: its own cost is not counted twice. */
  editingRequestId: z.uuid({ error: "must be a request id" }).optional(),
});

const justification = z.string().trim().min(10, "say why, in at least 10 characters").max(2000, "at most 2000 characters");

export const requestUpdateInput = updateChange.extend({
  environmentId: z.uuid({ error: "must be an environment id" }),
  justification,
  clientRequestId: z.uuid({ error: "must be a uuid" }),
});

export const editUpdateInput = updateChange.extend({
  requestId: z.uuid({ error: "must be a request id" }),
  expectedVersion: z.number().int().min(1),
  justification,
});
