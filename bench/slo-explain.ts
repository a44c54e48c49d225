/**
 * Where the SLO dashboards' time goes (issue 16): seeds the bench data, runs each dashboard query
 * once with every SQL statement timed, and prints EXPLAIN (ANALYZE, BUFFERS) for the statements
 * slower than SLO_EXPLAIN_MS (default 15). Not part of `npm run bench`: `tsx bench/slo-explain.ts`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { runMigrations } from "graphile-worker";
import { sql } from "drizzle-orm";
import type pg from "pg";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { seedSloData, sloQueries } from "./lib/slo-data";

const slowMs = Number(process.argv[2] ?? 15);
const only = process.argv[3];
const root = path.resolve(import.meta.dirname, "..");
const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-bench-slo-explain-"));
const embedded = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "provisio", onNotice: () => undefined });
try {
  await migrateDatabase(embedded.url);
  await runMigrations({ connectionString: embedded.url });
  const { db, pool } = connect(embedded.url);
  await seedSloData(db, root);
  const [team] = (await db.execute(sql`select id from teams order by slug limit 1`)).rows as { id: string }[];
  const queries = sloQueries(db, team!.id, new Date());

  // Every statement the services send, with its text and values, so it can be explained after.
  type Sent = { text: string; values: unknown[]; ms: number };
  let sent: Sent[] = [];
  const query = pool.query.bind(pool) as (config: pg.QueryConfig) => Promise<pg.QueryResult>;
  (pool as unknown as { query: unknown }).query = async (config: pg.QueryConfig | string, values?: unknown[]) => {
    const c: pg.QueryConfig = typeof config === "string" ? { text: config, values } : { ...config, values: config.values ?? values };
    const started = performance.now();
    const result = await query(c);
    sent.push({ text: c.text, values: c.values ?? [], ms: performance.now() - started });
    return result;
  };
  for (const [name, run] of Object.entries(queries)) {
    if (only && name !== only) continue;
    await run(); // warm
    sent = [];
    const started = performance.now();
    await run();
    const total = performance.now() - started;
    const statements = sent;
    console.log(`\n===== ${name}: ${total.toFixed(0)} ms, ${statements.length} statements`);
    for (const s of statements) {
      console.log(`-- ${s.ms.toFixed(1)} ms: ${s.text.replace(/\s+/g, " ").slice(0, 140)}`);
      if (s.ms < slowMs) continue;
      const plan = await query({ text: `explain (analyze, buffers) ${s.text}`, values: s.values });
      for (const row of plan.rows) console.log(`   ${String(row["QUERY PLAN"])}`);
    }
  }
} finally {
  await disconnectAll();
  await embedded.stop();
  await rm(dataDir, { recursive: true, force: true });
}
