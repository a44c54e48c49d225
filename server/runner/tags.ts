/**
 * The tags a resource of an environment carries: the plan's (mandatory and template tags), with
 * the environment's own id and its expiry as stored on the environment row. The plan was made
 * before the environment existed, so both are filled in here, for every engine (per-resource
 * engines get them per resource, whole-environment engines through environmentSpecFor), which is
 * why `expires-at` equals the row's expires_at always (the rule: server/core/lifetime.ts). Only
 * `expires-at` moves after creation: an extension moves the row, its update run the tags.
 */
export function tagsFor(tags: Record<string, string>, environment: { id: string; expiresAt: Date }): Record<string, string> {
  return { ...tags, "environment-id": environment.id, "expires-at": environment.expiresAt.toISOString() };
}
