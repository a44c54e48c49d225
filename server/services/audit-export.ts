/**
 * The audit log as CSV (RFC 4180): the current filter, newest first, read in keyset batches so
 * a large export streams instead of sitting in memory.
 */
import { and, desc } from "drizzle-orm";
import type { Database } from "~/db/client";
import { auditEvents } from "~/db/schema";
import { auditExportCap, type AuditFilter } from "~/server/schemas/audit";
import { auditConditions, queryAuditPage, type AuditEventRow } from "./audit";

export const auditCsvColumns = [
  "id",
  "time",
  "actor_id",
  "actor",
  "actor_name",
  "action",
  "subject_type",
  "subject_id",
  "subject_name",
  "team_id",
  "team_name",
  "correlation_id",
  "before",
  "after",
] as const;

/**
 * Spreadsheets run a cell that starts with one of these as a formula (CSV injection): such a
 * cell gets a leading single quote, which shows the text as text. Tab and carriage return are
 * on OWASP's list as well.
 */
const formulaStart = /^[=+\-@\t\r]/;

/** One CSV cell: text guarded against formulas, quoted when it holds a comma, quote or line break. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  let text = value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
  if (formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 asks. */
export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export function auditCsvRecord(e: AuditEventRow): unknown[] {
  return [
    e.id,
    e.at,
    e.actorId,
    e.actorLabel,
    e.actorName,
    e.action,
    e.subjectType,
    e.subjectId,
    e.subjectName,
    e.teamId,
    e.teamName,
    e.correlationId,
    e.before ?? null,
    e.after ?? null,
  ];
}

/** True when the filter matches more rows than one export holds. */
export async function exceedsCap(db: Database, filter: AuditFilter, cap: number): Promise<boolean> {
  const conditions = auditConditions(filter);
  const rows = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEvents.id))
    .offset(cap)
    .limit(1);
  return rows.length > 0;
}

/**
 * The CSV text in chunks: the header, then one chunk per batch of rows, at most `cap` rows.
 * The log only grows at the top (new ids are higher), so paging down by id is stable while
 * events keep coming in.
 */
export async function* auditCsvChunks(db: Database, filter: AuditFilter, options: { cap?: number; batchSize?: number } = {}): AsyncGenerator<string> {
  const cap = options.cap ?? auditExportCap;
  const batchSize = options.batchSize ?? 1000;
  yield csvLine(auditCsvColumns);
  let written = 0;
  let before: number | undefined;
  while (written < cap) {
    const limit = Math.min(batchSize, cap - written);
    const rows = await queryAuditPage(db, filter, { before, limit });
    if (rows.length === 0) return;
    yield rows.map((row) => csvLine(auditCsvRecord(row))).join("");
    written += rows.length;
    before = rows.at(-1)?.id;
    if (rows.length < limit) return;
  }
}

/** `provisio-audit-2025-03-14.csv`, dated in UTC. */
export function auditExportFilename(now: Date): string {
  return `provisio-audit-${now.toISOString().slice(0, 10)}.csv`;
}
