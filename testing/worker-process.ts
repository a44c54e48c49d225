/**
 * Real worker processes for crash tests (spawned by server/worker/test-support.ts) against a test
 * database with short heartbeat and stale timeouts: SIGKILL one mid-run, and wait for states (a worker
 * that exits on its own fails the wait at once instead of timing out). Stops them all after the file.
 *
 * The after-file hook (killStartedWorkers) is registered by testing/per-file.ts, which runs at the top
 * of every test file: not here, because tests call workerProcesses() from beforeAll and a hook
 * registered inside another hook never runs, and not when this module loads, because files share the
 * loaded module (isolate: false) and only the first of them would get it. Either way the workers
 * outlived their file, holding connections to its database, and stole runs from later files.
 */
import type { ChildProcess } from "node:child_process";
import { startWorkerProcess } from "~/server/worker/test-support";

/** The stale timeout the workers run with: a killed worker's run may be taken over this long after its last heartbeat. */
export const workerStaleMs = 2_000;

const started: ChildProcess[] = [];

/** SIGKILLs every worker this module started that is still alive, resolved once they are gone. */
export async function killStartedWorkers(): Promise<void> {
  const alive = started.splice(0).filter((w) => w.exitCode === null && w.signalCode === null);
  await Promise.all(
    alive.map((w) => {
      const exited = new Promise((resolve) => w.once("exit", resolve));
      w.kill("SIGKILL");
      return exited;
    }),
  );
}

export function workerProcesses(databaseUrl: string) {
  const workers: ChildProcess[] = [];

  return {
    start(env: Record<string, string> = {}): ChildProcess {
      const { child } = startWorkerProcess({
        databaseUrl,
        env: { WORKER_CONCURRENCY: "2", PROVISIO_RUN_STALE_MS: String(workerStaleMs), PROVISIO_RUN_HEARTBEAT_MS: "500", ...env },
        onOutput: (chunk, stream) =>
          stream === "stderr" ? process.stderr.write(chunk) : process.env.SIGKILL_TEST_VERBOSE && process.stdout.write(chunk),
      });
      workers.push(child);
      started.push(child);
      return child;
    },

    /** SIGKILL: no shutdown hook runs, the run stays `running` with a heartbeat that goes stale. */
    async kill(child: ChildProcess): Promise<void> {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },

    async waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 45_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const dead = workers.find((w) => w.exitCode !== null && w.signalCode === null);
        if (dead) throw new Error(`a worker exited with code ${dead.exitCode} while waiting for ${what}`);
        const value = await check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
