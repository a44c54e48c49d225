/**
 * An environment's runs, newest first, as one JSON column of a page's query (the request page
 * and the environment page load everything in one statement): the SQL and its decoding.
 */
import { sql, type SQL } from "drizzle-orm";
import type { RunKind, RunStatus } from "~/db/vocabulary";

export type RunRowJson = {
  id: string;
  kind: RunKind;
  status: RunStatus;
  attempts: number;
  error: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

/** `environmentId`: the SQL of the environment's id in the outer query. */
export const runRowsJson = (environmentId: SQL) =>
  sql<RunRowJson[]>`(select coalesce(jsonb_agg(jsonb_build_object('id', run.id, 'kind', run.kind, 'status', run.status, 'attempts', run.attempts,
    'error', run.error, 'queuedAt', run.queued_at, 'startedAt', run.started_at, 'finishedAt', run.finished_at) order by run.queued_at desc), '[]'::jsonb)
    from runs run where run.environment_id = ${environmentId})`;

const maybeDate = (iso: string | null) => (iso === null ? null : new Date(iso));

export const decodeRunRows = (rows: RunRowJson[]) =>
  rows.map((r) => ({ ...r, queuedAt: new Date(r.queuedAt), startedAt: maybeDate(r.startedAt), finishedAt: maybeDate(r.finishedAt) }));
