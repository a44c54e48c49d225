import { createHash } from "node:crypto";
import type { SQL } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "./schema";

export type Database = NodePgDatabase<typeof schema>;
/** A transaction handle; services take `Database | Transaction` through `Executor`. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Transaction;

type Connection = { pool: pg.Pool; db: Database };

// One pool per process and URL; kept on globalThis so dev-server reloads do not leak pools.
const store = globalThis as unknown as { __provisioDb?: Map<string, Connection> };

/**
 * The pool for `url` (the first call's sizes hold). `min`: connections kept open however long they
 * sit idle (a long-lived process whose bursts must not wait to connect; open them with openConnections).
 */
export function connect(url: string, max = 10, options: { min?: number } = {}): Connection {
  store.__provisioDb ??= new Map();
  let connection = store.__provisioDb.get(url);
  if (!connection) {
    const pool = new pg.Pool({ connectionString: url, max, min: Math.min(options.min ?? 0, max), idleTimeoutMillis: 30_000 });
    // A client lost its connection (server restart, shutdown): the pool replaces it on next
    // use and the query in flight fails on its own; an unhandled 'error' would crash the process.
    pool.on("error", () => undefined);
    pool.on("connect", (client) => client.on("error", () => undefined));
    connection = { pool, db: drizzle(pool, { schema }) };
    store.__provisioDb.set(url, connection);
  }
  return connection;
}

/**
 * Opens `count` connections of the pool now, all at once (the pool opens them one at a time as it
 * needs them otherwise). Under load a new connection takes hundreds of milliseconds (a server
 * process started and signed in): a worker opens its own before it takes jobs, so a burst of work
 * finds them ready instead of each of its first statements waiting for one.
 */
export async function openConnections(pool: pg.Pool, count: number): Promise<void> {
  const opened = await Promise.allSettled(Array.from({ length: Math.min(count, pool.options.max) }, () => pool.connect()));
  for (const result of opened) if (result.status === "fulfilled") result.value.release();
  const failed = opened.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

export async function disconnectAll(): Promise<void> {
  const connections = [...(store.__provisioDb?.values() ?? [])];
  store.__provisioDb?.clear();
  // A pool its owner already ended is skipped: ending one twice throws.
  await Promise.all(connections.filter((c) => !c.pool.ending).map((c) => c.pool.end()));
}

/** Ends the pool for `url` and forgets it, so a later connect(url) opens a new one instead of returning an ended pool. */
export async function disconnect(url: string): Promise<void> {
  const connection = store.__provisioDb?.get(url);
  store.__provisioDb?.delete(url);
  if (connection && !connection.pool.ending) await connection.pool.end();
}

const dialect = new PgDialect();
/** executePrepared's statement texts and their hashes: a hot statement is hashed once, not on every call. */
const statementHashes = new Map<string, string>();

/**
 * Runs `query` on the pool as a named prepared statement: parsed and planned once per connection
 * instead of on every call. For hot statements of a fixed shape (only the values change); the name
 * carries a hash of the text, so two shapes never share one. Rows come back as from db.execute.
 */
export async function executePrepared(db: Database, name: string, query: SQL): Promise<pg.QueryResult> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  let hash = statementHashes.get(text);
  if (!hash) {
    hash = createHash("sha1").update(text).digest("hex").slice(0, 12);
    // A few fixed shapes in practice; the bound only guards against a caller that is not.
    if (statementHashes.size < 1_000) statementHashes.set(text, hash);
  }
  // drizzle(pool) keeps the pool as $client (absent from the Database type, which also covers transactions).
  const pool = (db as unknown as { $client?: pg.Pool }).$client;
  if (!(pool instanceof pg.Pool)) return db.execute(query);
  return pool.query({ name: `${name}_${hash}`, text, values: params as unknown[] });
}

export { schema };
