/**
 * Where the SLO dashboards' time goes (issue 16): seeds the bench data, runs each dashboard query
 * once with every SQL statement timed and named, and prints EXPLAIN (ANALYZE, BUFFERS) for the
 * statements slower than the first argument in ms (default 15); the second names one query. A
 * dashboard sends its statements together, so each time includes waiting on the others (the bench
 * times each alone). Not part of `npm run bench`: `tsx bench/slo-explain.ts [ms] [query]`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runMigrations } from "graphile-worker";
import { sql } from "drizzle-orm";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { seedSloData, sloQueries } from "./lib/slo-data";
import { captureStatements } from "./lib/slo-statements";

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

  for (const [name, run] of Object.entries(queries)) {
    if (only && name !== only) continue;
    await run(); // warm
    const { wallMs, sent } = await captureStatements(pool, run);
    console.log(`\n===== ${name}: ${wallMs.toFixed(0)} ms, ${sent.length} statements`);
    for (const s of sent) {
      console.log(`-- ${s.label}: ${s.ms.toFixed(1)} ms: ${s.text.replace(/\s+/g, " ").slice(0, 140)}`);
      if (s.ms < slowMs) continue;
      const plan = await pool.query<{ "QUERY PLAN": string }>({ text: `explain (analyze, buffers) ${s.text}`, values: s.values });
      for (const row of plan.rows) console.log(`   ${row["QUERY PLAN"]}`);
    }
  }
} finally {
  await disconnectAll();
  await embedded.stop();
  await rm(dataDir, { recursive: true, force: true });
}
