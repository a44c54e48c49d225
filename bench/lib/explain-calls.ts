/**
 * `bench/http.bench.ts --explain`: every SQL statement one tRPC call sends (through the same
 * procedures and services, on the bench's seeded data), each with its EXPLAIN (ANALYZE, BUFFERS).
 * Statements are captured by a drizzle logger, then explained inside a rolled-back transaction.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import type { Logger } from "pino";
import pino from "pino";
import pg from "pg";
import { schema, type Database } from "~/db/client";
import { createCaller } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";
import type { Viewer } from "~/server/services/users";

type Api = ReturnType<typeof createCaller>;
type Statement = { sql: string; params: unknown[] };

export async function explainCalls(
  databaseUrl: string,
  viewer: Viewer,
  calls: { name: string; run: (api: Api) => Promise<unknown> }[],
  print: (line: string) => void,
): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  let captured: Statement[] = [];
  const db = drizzle(pool, { schema, logger: { logQuery: (sql, params) => captured.push({ sql, params }) } }) as unknown as Database;
  const quiet: Logger = pino({ level: "silent" });
  try {
    for (const call of calls) {
      captured = [];
      const result = await call.run(createCaller(createContext(db, viewer, { log: quiet })));
      const statements = captured;
      print(`== ${call.name}: ${statements.length} statement(s), ${Buffer.byteLength(JSON.stringify(result))} bytes of JSON`);
      const client = await pool.connect();
      try {
        await client.query("begin");
        for (const [i, statement] of statements.entries()) {
          print(`-- ${call.name} #${i + 1}: ${statement.sql}`);
          const { rows } = await client.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${statement.sql}`, statement.params);
          for (const row of rows) print(`   ${row["QUERY PLAN"]}`);
          // The first EXPLAIN above runs on cold caches; the median of 20 more is what a busy pool pays per call.
          const planning: number[] = [];
          const execution: number[] = [];
          for (let run = 0; run < 20; run++) {
            const { rows: json } = await client.query<{ "QUERY PLAN": [{ "Planning Time": number; "Execution Time": number }] }>(
              `explain (analyze, summary, format json) ${statement.sql}`,
              statement.params,
            );
            planning.push(json[0]!["QUERY PLAN"][0]["Planning Time"]);
            execution.push(json[0]!["QUERY PLAN"][0]["Execution Time"]);
          }
          const median = (values: number[]) => values.sort((x, y) => x - y)[values.length >> 1]!.toFixed(3);
          print(`   warm (median of 20): planning ${median(planning)} ms, execution ${median(execution)} ms`);
        }
      } finally {
        await client.query("rollback");
        client.release();
      }
    }
  } finally {
    await pool.end();
  }
}
