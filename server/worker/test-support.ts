/**
 * Real worker processes for crash tests and the chaos bench: `node --import tsx
 * server/worker/main.ts` against a given database, killed with SIGKILL or stopped with SIGTERM.
 * A worker counts as started once its heartbeat row exists (it has migrated, started its
 * runners and recorded their graphile-worker ids), which is how a test waits for it: by state.
 */
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { and, desc, eq, gte } from "drizzle-orm";
import type { Database } from "~/db/client";
import { workerHeartbeats } from "~/db/schema";

const repository = path.resolve(import.meta.dirname, "../..");

export type WorkerProcessOptions = {
  databaseUrl: string;
  /** Variables on top of this process's environment (WORKER_CONCURRENCY, PROVISIO_RUN_STALE_MS…). */
  env?: Record<string, string>;
  /** Another checkout to run (a before/after comparison); default this one. */
  root?: string;
  /** Where its output goes; default: stderr to this process's stderr, stdout dropped. */
  onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
};

export type WorkerProcess = {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly spawnedAt: Date;
  /** Its own worker id (worker_heartbeats, runs.worker_id), once started. */
  workerId: string | null;
  /** graphile-worker's pool ids it locks jobs with, once started. */
  graphileWorkerIds: string[];
  /** Resolves when the process is gone (exit code, or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, resolved once the process is gone: no shutdown, no hand-back, locks left held. */
  kill(): Promise<void>;
  /** SIGTERM, resolved once it has finished or handed back its runs and exited. */
  stop(): Promise<void>;
};

export function startWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const spawnedAt = new Date();
  const root = options.root ?? repository;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "server/worker/main.ts")], {
    cwd: root,
    env: {
      ...process.env,
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "worker-test-secret-0123456789",
      NODE_ENV: "test",
      PROVISIO_DEMO: "true",
      LOG_LEVEL: "warn",
      PROVISIO_PROCESS: "worker",
      ...options.env,
      DATABASE_URL: options.databaseUrl,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = options.onOutput ?? ((chunk, stream) => stream === "stderr" && process.stderr.write(chunk));
  child.stdout?.on("data", (d: Buffer) => output(d.toString(), "stdout"));
  child.stderr?.on("data", (d: Buffer) => output(d.toString(), "stderr"));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  if (!child.pid) throw new Error("the worker process did not start");
  const handle: WorkerProcess = {
    child,
    pid: child.pid,
    spawnedAt,
    workerId: null,
    graphileWorkerIds: [],
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  return handle;
}

/** Whether the worker has started (its heartbeat row exists); fills in its ids when it has. Throws if it exited first. */
export async function hasStarted(db: Database, worker: WorkerProcess): Promise<boolean> {
  if (worker.workerId) return true;
  const [row] = await db
    .select({ workerId: workerHeartbeats.workerId, ids: workerHeartbeats.graphileWorkerIds })
    .from(workerHeartbeats)
    // Its pid, started since it was spawned (a pid an earlier, killed worker had is not it).
    .where(and(eq(workerHeartbeats.pid, worker.pid), gte(workerHeartbeats.startedAt, worker.spawnedAt)))
    .orderBy(desc(workerHeartbeats.startedAt))
    .limit(1);
  if (row) {
    worker.workerId = row.workerId;
    worker.graphileWorkerIds = row.ids;
    return true;
  }
  if (worker.child.exitCode !== null || worker.child.signalCode !== null)
    throw new Error(`worker ${worker.pid} exited (code ${worker.child.exitCode}) before it started`);
  return false;
}

/** Waits (by polling the database) until the worker has started. */
export async function waitUntilStarted(db: Database, worker: WorkerProcess, timeoutMs = 60_000): Promise<WorkerProcess> {
  const deadline = Date.now() + timeoutMs;
  while (!(await hasStarted(db, worker))) {
    if (Date.now() > deadline) throw new Error(`worker ${worker.pid} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return worker;
}

/**
 * The recovery promise (README): a killed worker's run resumes within PROVISIO_RUN_STALE_MS + 5 s.
 * Asserted as is; on a machine busier than its cores (a shared CI runner, the suite under a CPU
 * hog) the 5 s get doubled, and the tests say so.
 */
export function recoveryBoundMs(staleMs: number): { ms: number; loaded: boolean } {
  const loaded = os.loadavg()[0]! > os.cpus().length;
  return { ms: staleMs + 5_000 * (loaded ? 2 : 1), loaded };
}
