/**
 * Running the Terraform/OpenTofu CLI. Each command runs in its own process group with its output
 * written to files in the working directory and read back as it grows, not through pipes: if the
 * worker dies, a running `apply` is not killed by a broken pipe but finishes, saves its state and
 * releases the lock, and the next run carries on from that state. When the run is aborted (the
 * worker shuts down) the CLI gets one SIGINT, Terraform's own graceful stop: it finishes the
 * operations in flight, saves state and unlocks.
 *
 * The CLI's environment is this process's minus Provisio's own secrets and settings (database
 * URLs, session and OIDC secrets, PG* variables, TF_LOG and other TF_* overrides), plus what the
 * engine sets (the pg backend's PG_CONN_STR, the CLI configuration, no checkpoint calls, no input).
 * Every line passes through `redact` before anyone sees it.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { open, rm } from "node:fs/promises";
import path from "node:path";
import { inheritedEnvironment } from "~/server/env";

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; durationMs: number };

export type CliOptions = {
  binary: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each complete line, already redacted, as it is written. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void | Promise<void>;
  redact: (text: string) => string;
  /** SIGINT after this long (then the command ends as Terraform decides). */
  timeoutMs?: number;
  /** Called with the CLI's process id (its process group) once it started. */
  onSpawn?: (pid: number) => void;
  /** Keep stdout unredacted in the result (e.g. `show -json`, parsed, never logged). */
  rawStdout?: boolean;
};

/** Variables never handed to the CLI: Provisio's secrets and settings, libpq's defaults, Terraform overrides. */
const strippedVariables =
  /^(DATABASE_URL|NEXTAUTH_.*|OIDC_.*|PROVISIO_.*|PG[A-Z_]*|TF_LOG.*|TF_CLI_ARGS.*|TF_WORKSPACE|TF_DATA_DIR|TF_CLI_CONFIG_FILE|TF_PLUGIN_CACHE_DIR|TF_VAR_.*)$/;

export function cliEnvironment(extra: Record<string, string | undefined>, base: NodeJS.ProcessEnv = inheritedEnvironment()): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(base)) if (!strippedVariables.test(key)) env[key] = value;
  env.CHECKPOINT_DISABLE = "1";
  env.TF_IN_AUTOMATION = "1";
  env.TF_INPUT = "0";
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env as NodeJS.ProcessEnv;
}

let sequence = 0;

/** Reads what was appended to a file since `offset`; returns complete lines and the new offset. */
async function readNew(file: string, state: { offset: number; partial: string }): Promise<string[]> {
  const handle = await open(file, "r").catch(() => null);
  if (!handle) return [];
  try {
    const lines: string[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, state.offset);
      if (bytesRead === 0) break;
      state.offset += bytesRead;
      state.partial += buffer.subarray(0, bytesRead).toString("utf8");
      const parts = state.partial.split("\n");
      state.partial = parts.pop() ?? "";
      lines.push(...parts);
    }
    return lines;
  } finally {
    await handle.close();
  }
}

/** Runs `binary args…` in `cwd`; resolves when it exits (never rejects for a non-zero exit). */
export async function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const started = Date.now();
  const id = `${process.pid}-${++sequence}`;
  const outFile = path.join(options.cwd, `.provisio-${id}.out`);
  const errFile = path.join(options.cwd, `.provisio-${id}.err`);
  const outFd = openSync(outFile, "w", 0o600);
  const errFd = openSync(errFile, "w", 0o600);
  const child = (() => {
    try {
      return spawn(options.binary, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", outFd, errFd], detached: true });
    } finally {
      closeSync(outFd);
      closeSync(errFd);
    }
  })();
  if (child.pid) options.onSpawn?.(child.pid);
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  const states = { stdout: { offset: 0, partial: "" }, stderr: { offset: 0, partial: "" } };
  const interrupt = () => {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGINT");
      } catch {
        child.kill("SIGINT");
      }
    }
  };
  const onAbort = () => interrupt();
  if (options.signal?.aborted) interrupt();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = options.timeoutMs ? setTimeout(interrupt, options.timeoutMs) : null;

  let pumping = Promise.resolve();
  const pump = () => {
    pumping = pumping.then(async () => {
      for (const stream of ["stdout", "stderr"] as const) {
        const lines = await readNew(stream === "stdout" ? outFile : errFile, states[stream]);
        for (const line of lines) {
          (stream === "stdout" ? stdoutLines : stderrLines).push(line);
          if (options.onLine && line.trim()) await options.onLine(options.redact(line), stream);
        }
      }
    });
    return pumping;
  };
  const poller = setInterval(() => void pump().catch(() => undefined), 150);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  clearInterval(poller);
  if (timer) clearTimeout(timer);
  options.signal?.removeEventListener("abort", onAbort);
  await pump().catch(() => undefined);
  for (const stream of ["stdout", "stderr"] as const) {
    const rest = states[stream].partial;
    if (rest) {
      (stream === "stdout" ? stdoutLines : stderrLines).push(rest);
      if (options.onLine && rest.trim()) await options.onLine(options.redact(rest), stream);
    }
  }
  await rm(outFile, { force: true });
  await rm(errFile, { force: true });
  if (exit.error) throw exit.error;
  const stdout = stdoutLines.join("\n");
  return {
    code: exit.code,
    signal: exit.signal,
    stdout: options.rawStdout ? stdout : options.redact(stdout),
    stderr: options.redact(stderrLines.join("\n")),
    durationMs: Date.now() - started,
  };
}

/** Removes every occurrence of the given secrets, and the password of any URL with credentials. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(...values: (string | null | undefined)[]): this {
    for (const value of values) if (value && value.length >= 4) this.secrets.add(value);
    return this;
  }

  redact = (text: string): string => {
    let out = text;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join("[redacted]");
    return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+):[^\s@/"']+@/gi, "$1:[redacted]@");
  };
}
