import { z } from "zod";

/**
 * The audit log's filter: one schema for the API (`audit.list`), the CSV export's query string
 * and the filter bar's URL state. Browser-safe (no server imports).
 */

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** A day (YYYY-MM-DD, in UTC) or an exact ISO 8601 instant with a time zone. */
const dateBound = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: "must be a date (YYYY-MM-DD) or an ISO 8601 date and time",
});

export const auditFilterShape = {
  /** A user id, or "system" for what the system did (sync, worker, seed). */
  actorId: z.union([z.uuid(), z.literal("system")], { error: "must be a user id or 'system'" }).optional(),
  /** Exact action (`team.updated`), or a prefix ending in '.' or '*' (`template.`, `request.*`). */
  action: z
    .string()
    .trim()
    .min(1, "cannot be empty")
    .max(80, "at most 80 characters")
    .regex(/^[A-Za-z0-9_.-]+\*?$/, "letters, digits, '.', '_' or '-'; end with '.' or '*' for a prefix")
    .optional(),
  subjectType: z
    .string()
    .trim()
    .min(1, "cannot be empty")
    .max(40, "at most 40 characters")
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '.', '_' or '-'")
    .optional(),
  teamId: z.uuid({ error: "must be a team id" }).optional(),
  correlationId: z.string().trim().min(1, "cannot be empty").max(200, "at most 200 characters").optional(),
  /** From this day (00:00 UTC) or instant on. */
  from: dateBound.optional(),
  /** Up to the end of this day (UTC), or up to this instant. */
  to: dateBound.optional(),
};

export type AuditFilter = {
  actorId?: string;
  action?: string;
  subjectType?: string;
  teamId?: string;
  correlationId?: string;
  from?: string;
  to?: string;
};

export const auditFilterKeys = [
  "actorId",
  "action",
  "subjectType",
  "teamId",
  "correlationId",
  "from",
  "to",
] as const satisfies readonly (keyof AuditFilter)[];

/** The half-open time window [from, to) the bounds stand for; a day's `to` includes the whole day. */
export function auditTimeWindow(filter: Pick<AuditFilter, "from" | "to">): { from: Date | null; until: Date | null } {
  const from = filter.from ? new Date(datePattern.test(filter.from) ? `${filter.from}T00:00:00Z` : filter.from) : null;
  let until: Date | null = null;
  if (filter.to) {
    if (datePattern.test(filter.to)) {
      until = new Date(`${filter.to}T00:00:00Z`);
      until.setUTCDate(until.getUTCDate() + 1);
    } else {
      // An exact instant is inclusive: everything up to and including that millisecond.
      until = new Date(new Date(filter.to).getTime() + 1);
    }
  }
  return { from, until };
}

/** The action filter as a match: a trailing '.' or '*' means "starts with". */
export function actionMatch(action: string): { kind: "exact" | "prefix"; value: string } {
  if (action.endsWith("*")) return { kind: "prefix", value: action.slice(0, -1) };
  if (action.endsWith(".")) return { kind: "prefix", value: action };
  return { kind: "exact", value: action };
}

function checkWindow(filter: Pick<AuditFilter, "from" | "to">, ctx: z.RefinementCtx) {
  const { from, until } = auditTimeWindow(filter);
  if (from && until && from.getTime() >= until.getTime()) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before From" });
  }
}

export const auditFilterSchema = z.object(auditFilterShape).superRefine(checkWindow);

export const auditListInput = z
  .object({
    ...auditFilterShape,
    /** Id of the last row already shown: the next page holds older events. */
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .superRefine(checkWindow);

export type AuditListInput = z.input<typeof auditListInput>;

type ParamsLike = { get(name: string): string | null };

/**
 * The filter as written in a URL query (the page and the CSV export use the same names as the
 * API). Empty values are left out, so an empty form field means "any".
 */
export function auditFilterFromParams(params: ParamsLike): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const key of auditFilterKeys) {
    const value = params.get(key)?.trim();
    if (value) raw[key] = value;
  }
  return raw;
}

/** Parses a URL query into a filter, with field errors by name when something is wrong. */
export function parseAuditFilterParams(
  params: ParamsLike,
): { ok: true; filter: AuditFilter } | { ok: false; raw: Record<string, string>; fieldErrors: Partial<Record<keyof AuditFilter, string>> } {
  const raw = auditFilterFromParams(params);
  const parsed = auditFilterSchema.safeParse(raw);
  if (parsed.success) return { ok: true, filter: parsed.data };
  const fieldErrors: Partial<Record<keyof AuditFilter, string>> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path[0];
    if (typeof key === "string" && (auditFilterKeys as readonly string[]).includes(key)) {
      fieldErrors[key as keyof AuditFilter] ??= issue.message;
    }
  }
  return { ok: false, raw, fieldErrors };
}

/** The query string for a filter (empty values left out, so a plain /audit stays plain). */
export function auditFilterQueryString(filter: AuditFilter): string {
  const params = new URLSearchParams();
  for (const key of auditFilterKeys) {
    const value = filter[key]?.trim();
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function isAuditFiltered(filter: AuditFilter): boolean {
  return auditFilterKeys.some((key) => !!filter[key]);
}

/** At most this many rows go into one CSV export (newest first). */
export const auditExportCap = 50_000;
