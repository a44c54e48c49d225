/**
 * Several writes in one statement, one round trip instead of one each: every write a CTE, and
 * `calls` (functions with side effects, such as a job's enqueueCall) in the statement's select
 * list, where they are sure to run (a CTE that is only a SELECT runs only when read). The writes
 * share one snapshot: none may depend on another's change.
 *
 * `required` writes must change a row (they have RETURNING): when one changes none, the statement
 * refuses itself (statement_refused, migration 0038) and nothing of it is written, even outside a
 * transaction; StatementRefusedError names the first such write.
 */
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Executor } from "./client";

export class StatementRefusedError extends Error {
  constructor(readonly refusal: string) {
    super(`statement refused: ${refusal}`);
  }
}

type Write = SQLWrapper | null | undefined | false;

export async function sendTogether(
  executor: Executor,
  parts: {
    /** A write with RETURNING whose rows are counted (0: it changed nothing, e.g. ON CONFLICT DO NOTHING). */
    counted?: SQLWrapper;
    /** Writes that must change a row, by the name a refusal reports (a CTE of that name: calls may read it). */
    required?: Record<string, SQLWrapper>;
    /** CTEs that calls read, by name (e.g. inserted rows to queue a job for each). */
    named?: Record<string, SQLWrapper>;
    writes: readonly Write[];
    calls?: readonly SQL[];
  },
): Promise<{ counted: number }> {
  const anonymous = [parts.counted, ...parts.writes].filter((part): part is SQLWrapper => !!part);
  const ctes = [
    ...anonymous.map((part, i) => sql`${sql.raw(`w${i}`)} as (${part.getSQL()})`),
    ...Object.entries({ ...parts.required, ...parts.named }).map(([name, part]) => sql`${sql.identifier(name)} as (${part.getSQL()})`),
  ];
  const refusals = Object.keys(parts.required ?? {}).map(
    (name) => sql`when not exists (select from ${sql.identifier(name)}) then statement_refused(${name})`,
  );
  const selected = [
    parts.counted ? sql`(select count(*)::int from w0) as counted` : sql`0 as counted`,
    ...(refusals.length ? [sql`case ${sql.join(refusals, sql` `)} end as refused`] : []),
    ...(parts.calls ?? []),
  ];
  try {
    const result = await executor.execute(sql`${ctes.length ? sql`with ${sql.join(ctes, sql`, `)} ` : sql``}select ${sql.join(selected, sql`, `)}`);
    return { counted: Number((result.rows[0] as { counted: number } | undefined)?.counted ?? 0) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause ?? (error as { code?: string; message?: string });
    if (cause.code === "PV001") throw new StatementRefusedError(String(cause.message).replace(/^statement refused: /, ""));
    throw error;
  }
}
