import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";

export type Database = NodePgDatabase<typeof schema>;
/** A transaction handle; services take `Database | Transaction` through `Executor`. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Transaction;

type Connection = { pool: pg.Pool; db: Database };

// One pool per process and URL; kept on globalThis so dev-server reloads do not leak pools.
const store = globalThis as unknown as { __provisioDb?: Map<string, Connection> };

export function connect(url: string, max = 10): Connection {
  store.__provisioDb ??= new Map();
  let connection = store.__provisioDb.get(url);
  if (!connection) {
    const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
    // A client lost its connection (server restart, shutdown): the pool replaces it on next
    // use and the query in flight fails on its own; an unhandled 'error' would crash the process.
    pool.on("error", () => undefined);
    pool.on("connect", (client) => client.on("error", () => undefined));
    connection = { pool, db: drizzle(pool, { schema }) };
    store.__provisioDb.set(url, connection);
  }
  return connection;
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

export { schema };
