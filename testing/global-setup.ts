/**
 * One throwaway PostgreSQL for the whole unit/integration run: its own data directory and port,
 * removed afterwards. A migrated template database is cloned per test file (testing/db.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runMigrations } from "graphile-worker";
import type { TestProject } from "vitest/node";
import { migrateDatabase } from "~/db/migrate";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-vitest-"));
  const pg = await startEmbeddedPostgres({
    dataDir,
    port: await findFreePort(),
    database: "provisio_template",
    onNotice: () => undefined,
    throwaway: true,
  });
  await migrateDatabase(pg.url);
  // The job queue's schema too: services enqueue jobs inside their transactions.
  await runMigrations({ connectionString: pg.url });
  project.provide("templateDatabaseUrl", pg.url);
  return async () => {
    await pg.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
