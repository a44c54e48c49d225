/**
 * Several writes in one statement, one round trip instead of one each: every write a CTE, and
 * `calls` (functions with side effects, such as a job's enqueueCall) in the statement's select
 * list, where they are sure to run (a CTE that is only a SELECT runs only when read). The writes
 * share one snapshot: none may depend on another's change.
 */
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Executor } from "./client";

/** `counted`: a write with RETURNING whose rows are counted (0: it changed nothing, e.g. ON CONFLICT DO NOTHING). */
export async function sendTogether(
  executor: Executor,
  parts: { counted?: SQLWrapper; writes: readonly (SQLWrapper | null | undefined | false)[]; calls?: readonly SQL[] },
): Promise<{ counted: number }> {
  const writes = [parts.counted, ...parts.writes].filter((part): part is SQLWrapper => !!part);
  const ctes = writes.map((part, i) => sql`${sql.raw(`w${i}`)} as (${part.getSQL()})`);
  const selected = [parts.counted ? sql`(select count(*)::int from w0) as counted` : sql`0 as counted`, ...(parts.calls ?? [])];
  const result = await executor.execute(sql`${ctes.length ? sql`with ${sql.join(ctes, sql`, `)} ` : sql``}select ${sql.join(selected, sql`, `)}`);
  return { counted: Number((result.rows[0] as { counted: number } | undefined)?.counted ?? 0) };
}
