import { z } from "zod";

/** API token inputs: one schema for the settings pages and the API. Browser-safe. */

export const tokenScopes = ["read", "request", "approve", "destroy", "admin"] as const;
export type TokenScope = (typeof tokenScopes)[number];

export const scopeMeaning: Record<TokenScope, string> = {
  read: "read the catalog, requests, environments, runs and costs",
  request: "preview and submit requests, cancel them, extend environments",
  approve: "approve and reject requests (personal tokens only)",
  destroy: "destroy environments",
  admin: "use the admin role (personal tokens of admins only)",
};

/** Scopes a team service token may carry: never approve (a robot does not decide), never admin (it has no global role). */
export const serviceTokenScopes = ["read", "request", "destroy"] as const satisfies readonly TokenScope[];

const tokenName = z.string().trim().min(2, "at least 2 characters").max(60, "at most 60 characters");
const scopes = z
  .array(z.enum(tokenScopes, { error: "must be read, request, approve, destroy or admin" }), { error: "choose at least one scope" })
  .min(1, "choose at least one scope")
  .max(tokenScopes.length)
  .refine((list) => new Set(list).size === list.length, "lists a scope twice");
const expiresInDays = z.number({ error: "must be a number of days" }).int("whole days").min(1, "at least 1 day").max(3650, "at most 10 years");

export const createPersonalTokenInput = z.object({ name: tokenName, scopes, expiresInDays });

export const createServiceTokenInput = z.object({
  teamId: z.uuid({ error: "must be a team id" }),
  name: tokenName,
  role: z.enum(["member", "approver"], { error: "must be member or approver" }),
  scopes,
  expiresInDays,
});

export const revokeTokenInput = z.object({ tokenId: z.uuid({ error: "must be a token id" }) });

export const tokenSettingsInput = z.object({
  maxTokenDays: z.number({ error: "must be a number of days" }).int("whole days").min(1, "at least 1 day").max(3650, "at most 10 years"),
});
