import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { connect, disconnect, type Database } from "~/db/client";

/**
 * A fresh, migrated database for the calling test file, cloned from the template in a few
 * milliseconds, so files run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<{ db: Database; url: string; pool: pg.Pool }> {
  const templateUrl = new URL(inject("templateDatabaseUrl"));
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: templateUrl.toString().replace(/\/provisio_template$/, "/postgres") });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template provisio_template`);
  } finally {
    await admin.end();
  }
  const url = templateUrl.toString().replace(/\/provisio_template$/, `/${name}`);
  const { db, pool } = connect(url, 20);
  afterAll(async () => {
    await disconnect(url);
  });
  return { db, url, pool };
}
