/**
 * Keeps one child process running: a crash (any exit nobody asked for) is logged and the child
 * started again after an exponential backoff; too many crashes in a short window means something
 * is broken for good, so the supervisor gives up with a clear reason instead of looping forever.
 */
import type { ChildProcess } from "node:child_process";

export type SupervisorPolicy = {
  /** Wait before the first restart; doubled for each further crash inside the window. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** This many crashes within windowMs: give up. */
  maxCrashes: number;
  windowMs: number;
};

export const defaultSupervisorPolicy: SupervisorPolicy = { initialBackoffMs: 1_000, maxBackoffMs: 30_000, maxCrashes: 5, windowMs: 120_000 };

export type Supervised = {
  readonly name: string;
  /** The child running now (or the last one, while a restart is pending). */
  current(): ChildProcess;
  /** How many times the child was started again after a crash. */
  restarts(): number;
  /** Resolves with the reason when the supervisor stops restarting after repeated crashes. */
  gaveUp: Promise<string>;
  /** Stops restarting, then SIGTERM (SIGKILL after graceMs) the child and waits for it. */
  stop(graceMs: number): Promise<void>;
};

export type SuperviseOptions = {
  name: string;
  spawn: () => ChildProcess;
  /** A child already started (and checked) by the caller; supervision takes over from here. Default: spawn(). */
  first?: ChildProcess;
  log: (line: string) => void;
  policy?: Partial<SupervisorPolicy>;
  /** Called with each restarted child (e.g. to wait until it is healthy again and say so). */
  onRestart?: (child: ChildProcess, restart: number, exitedAt: number) => void;
};

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code ?? "unknown"}`;
}

export function formatDelay(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Number((ms / 1_000).toFixed(1))} s`;
}

export function supervise(options: SuperviseOptions): Supervised {
  const policy = { ...defaultSupervisorPolicy, ...options.policy };
  let child = options.first ?? options.spawn();
  let restarts = 0;
  let stopping = false;
  let pending: NodeJS.Timeout | null = null;
  const crashes: number[] = [];
  let giveUp!: (reason: string) => void;
  const gaveUp = new Promise<string>((resolve) => (giveUp = resolve));

  const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    if (stopping) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length && crashes[0]! <= now - policy.windowMs) crashes.shift();
    const how = describeExit(code, signal);
    if (crashes.length >= policy.maxCrashes) {
      stopping = true;
      const reason = `${options.name} crashed ${crashes.length} times within ${formatDelay(policy.windowMs)} (last: ${how}); giving up`;
      options.log(`provisio: ${reason}`);
      giveUp(reason);
      return;
    }
    // The backoff grows with the crashes still inside the window: a child that ran fine for a while restarts quickly again.
    const delay = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (crashes.length - 1));
    options.log(`provisio: ${options.name} exited (${how}); restarting in ${formatDelay(delay)} (restart ${restarts + 1})`);
    pending = setTimeout(() => {
      pending = null;
      if (stopping) return;
      restarts += 1;
      child = options.spawn();
      watch(child);
      options.onRestart?.(child, restarts, now);
    }, delay);
  };
  const watch = (running: ChildProcess) => {
    running.on("error", (error) => options.log(`provisio: ${options.name}: ${error.message}`));
    // A child handed over after it already exited is a crash too.
    if (running.exitCode !== null || running.signalCode !== null) queueMicrotask(() => onExit(running.exitCode, running.signalCode));
    else running.once("exit", onExit);
  };
  watch(child);

  return {
    name: options.name,
    current: () => child,
    restarts: () => restarts,
    gaveUp,
    stop(graceMs) {
      stopping = true;
      if (pending) clearTimeout(pending);
      pending = null;
      return stopChild(child, graceMs);
    },
  };
}

export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
