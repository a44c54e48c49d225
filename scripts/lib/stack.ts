/**
 * Runs the whole of Provisio on one machine: the embedded PostgreSQL (unless DATABASE_URL is
 * given), migrations, demo seed, then web and worker as separate child processes.
 * Used by `npm start`, `npm run dev` and the browser tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { and, eq, isNull } from "drizzle-orm";
import { runMigrations } from "graphile-worker";
import { z } from "zod";
import { connect, disconnectAll } from "~/db/client";
import { migrateDatabase } from "~/db/migrate";
import { workerHeartbeats } from "~/db/schema";
import { demoUsers, seedDemoData } from "~/db/seed";
import { describeEnvIssues, parseRuntimeEnv } from "~/server/env";
import { syncTemplates } from "~/server/services/template-sync";
import { startEmbeddedPostgres, type EmbeddedPgHandle } from "./embedded-pg";
import { chooseBind, describeBind, isLoopback, probeHost } from "./bind";
import { createLogSink, type LogSink } from "./log-console";
import { withMemorySettings } from "./memory-settings";
import { assertPortFree } from "./ports";
import type { Progress, Step } from "./progress.mjs";
import { stopChild, supervise, type Supervised } from "./supervisor";

const root = path.resolve(import.meta.dirname, "..", "..");

const launchEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// connection URL" }).optional(),
  PROVISIO_DATA_DIR: z.string().min(1).default(".data"),
  PROVISIO_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  PROVISIO_DEMO: z.enum(["true", "false", "1", "0", "yes", "no"]).optional(),
  /** Folder of template folders synced into the catalog on start. */
  PROVISIO_TEMPLATES_DIR: z.string().min(1).default("templates"),
  /** Address the web server listens on; default 127.0.0.1 when demo sign-in is on, else every interface. */
  PROVISIO_BIND: z
    .string()
    .regex(/^(?:[0-9a-fA-F:.]+|[a-zA-Z0-9.-]+)$/, "must be an address or host name to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::")
    .optional(),
  /** Console format of the web and worker logs: `human` (one short line per event) or `json` (raw, for production log shippers). The files under <data dir>/logs are JSON either way. */
  LOG_FORMAT: z.enum(["human", "json"], { error: "must be human or json" }).default("human"),
});

export type StackOptions = {
  mode: "prod" | "dev";
  /** Environment to read instead of process.env (tests). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Aborting during start-up stops whatever was already started and rejects. */
  signal?: AbortSignal;
  /** Start-up steps (database, migrations, templates, web and worker) with their elapsed times. */
  progress?: Progress;
};

export type Stack = {
  url: string;
  databaseUrl: string;
  demoSignIn: boolean;
  /** How a shell reads the metrics token (`$PROVISIO_METRICS_TOKEN` or `$(cat <file>)`), never the token itself; null = metrics disabled. */
  metricsToken: string | null;
  /** Where the web server listens: an address, or null for every interface. */
  bind: string | null;
  /** Resolves with the reason when web or worker crashed too often to be restarted again (single crashes are restarted). */
  gaveUp: Promise<string>;
  /** Process ids of web and worker now (they change when a crashed one is restarted). */
  pids: () => { web: number | undefined; worker: number | undefined };
  stop: () => Promise<void>;
};

class LaunchError extends Error {}

function loadLaunchEnv(source: NodeJS.ProcessEnv) {
  const parsed = launchEnvSchema.safeParse(source);
  if (!parsed.success) throw new LaunchError(`Invalid environment:\n${describeEnvIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Loads templates/ into the catalog. Problems in template files are reported and skipped; even
 * an unreadable folder only costs the catalog its updates, never the start.
 */
async function syncTemplatesOnStart(databaseUrl: string, templatesDir: string, log: (line: string) => void, quiet: boolean): Promise<string> {
  try {
    const sync = await syncTemplates(connect(databaseUrl).db, templatesDir, root);
    const summary =
      `${sync.published.length} published, ${sync.unchanged.length} unchanged` +
      `${sync.deprecated.length ? `, ${sync.deprecated.length} deprecated (${sync.deprecated.join(", ")})` : ""}` +
      `${sync.restored.length ? `, ${sync.restored.length} restored` : ""}` +
      `${sync.refused.length ? `, ${sync.refused.length} ${sync.refused.length === 1 ? "file" : "files"} refused (listed in Admin → Templates)` : ""}`;
    if (!quiet) log(`provisio: templates synced: ${summary}${sync.refused.length ? ":" : ""}`);
    for (const line of sync.errors) log(`provisio:   ✗ ${line}`);
    return summary;
  } catch (error) {
    log(`provisio: templates were not synced (${(error as Error).message}); the catalog keeps what it had`);
    return "not synced";
  }
}

/**
 * Demo installs get generated secrets (the session secret, the metrics token), each kept in a
 * file of the data folder (mode 600) so sign-ins and scrape configs survive restarts.
 */
function demoSecret(dataDir: string, name: "nextauth-secret" | "metrics-token"): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** How to read the metrics token in a shell, without printing it: the variable, or the generated file. */
function metricsTokenHint(source: NodeJS.ProcessEnv, demo: boolean, dataDir: string): string | null {
  if (source.PROVISIO_METRICS_TOKEN) return "$PROVISIO_METRICS_TOKEN";
  if (!demo) return null;
  const file = path.join(dataDir, "metrics-token");
  const relative = path.relative(process.cwd(), file);
  return `$(cat ${relative && !relative.startsWith("..") ? relative : file})`;
}

/** Every line a child prints goes to its log file and, summarised, to the console. */
function pipeToSink(child: ChildProcess, service: "web" | "worker", sink: LogSink) {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => sink.write(service, line));
  }
}

async function waitForHealthy(url: string, children: ChildProcess[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (children.some((c) => c.exitCode !== null)) throw new LaunchError("web or worker exited during start-up (see its output above).");
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}: ${await res.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LaunchError(`Provisio did not become healthy within ${timeoutMs / 1000} s (last answer: ${last}).`);
}

/** Resolves when /api/health answers ok (true), or false when the child exits or the time is up. */
async function becomesHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Resolves true once a (restarted) worker's heartbeat is in the database, the moment it takes jobs; false if it exits first. */
async function workerRunning(databaseUrl: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const { db } = connect(databaseUrl, 1);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const found = await db
      .select({ pid: workerHeartbeats.pid })
      .from(workerHeartbeats)
      .where(and(eq(workerHeartbeats.pid, child.pid ?? -1), eq(workerHeartbeats.hostname, os.hostname()), isNull(workerHeartbeats.stoppedAt)))
      .then(
        (rows) => rows.length > 0,
        () => false,
      );
    if (found) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const source = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const launch = loadLaunchEnv(source);
  const dataDir = path.resolve(root, launch.PROVISIO_DATA_DIR);
  await assertPortFree(launch.PORT, "the Provisio web server (set PORT to another port)");

  let pg: EmbeddedPgHandle | null = null;
  let databaseUrl = launch.DATABASE_URL;
  const embedded = !databaseUrl;
  const demo = launch.PROVISIO_DEMO ? ["true", "1", "yes"].includes(launch.PROVISIO_DEMO) : embedded;

  const childEnv: NodeJS.ProcessEnv = {
    ...source,
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(launch.PORT),
    PROVISIO_DEMO: String(demo),
    // Unset NEXTAUTH_URL: next-auth follows the host the browser opened (localhost, 127.0.0.1, a LAN
    // name), so the session cookie and its redirects always agree. Set: that URL is canonical (proxy.ts).
    AUTH_TRUST_HOST: source.NEXTAUTH_URL ? source.AUTH_TRUST_HOST : "true",
    NEXTAUTH_SECRET: source.NEXTAUTH_SECRET ?? (demo ? demoSecret(dataDir, "nextauth-secret") : undefined),
    // Closed by default: only a demo install gets a generated token; elsewhere set it to enable /api/metrics.
    PROVISIO_METRICS_TOKEN: source.PROVISIO_METRICS_TOKEN || (demo ? demoSecret(dataDir, "metrics-token") : undefined),
    DATABASE_URL: databaseUrl ?? "postgres://placeholder/validated-before-start",
  };
  // Validate the web/worker environment before starting anything that must be stopped again.
  let demoSignIn: boolean;
  try {
    demoSignIn = parseRuntimeEnv(childEnv).demoSignInEnabled;
  } catch (error) {
    throw new LaunchError((error as Error).message);
  }

  const bind = chooseBind(launch.PROVISIO_BIND, demoSignIn);
  const sink = createLogSink(path.join(dataDir, "logs"), launch.LOG_FORMAT, log);
  /** Runs `work` as a progress step (or silently without one), ending it with its outcome. */
  const step = async <T>(label: string, work: (s: Step | null) => Promise<T>, detail?: (result: T) => string): Promise<T> => {
    const s = options.progress?.step(label) ?? null;
    try {
      const result = await work(s);
      s?.done(detail?.(result));
      return result;
    } catch (error) {
      s?.fail();
      throw error;
    }
  };
  const children: ChildProcess[] = [];
  const supervised: Supervised[] = [];
  const stop = async () => {
    await Promise.all(supervised.length ? supervised.map((s) => s.stop(15_000)) : children.map((c) => stopChild(c, 15_000)));
    await disconnectAll();
    if (pg) {
      await pg.stop();
      pg = null;
    }
    await sink.close();
  };

  const checkpoint = () => options.signal?.throwIfAborted();
  try {
    checkpoint();
    if (embedded) {
      const started = Date.now();
      pg = await step(
        "Starting the embedded PostgreSQL",
        () => startEmbeddedPostgres({ dataDir, port: launch.PROVISIO_PG_PORT, database: "provisio", onNotice: log }),
        () => `on port ${launch.PROVISIO_PG_PORT}, data in ${path.relative(root, dataDir) || dataDir}`,
      );
      databaseUrl = pg.url;
      if (!options.progress)
        log(`provisio: embedded PostgreSQL ready on port ${launch.PROVISIO_PG_PORT} in ${Date.now() - started} ms (data in ${dataDir})`);
    }
    if (!databaseUrl) throw new LaunchError("no database");
    const url0 = databaseUrl;
    childEnv.DATABASE_URL = databaseUrl;
    checkpoint();

    await step("Applying database migrations", async () => {
      await migrateDatabase(url0);
      await runMigrations({ connectionString: url0 });
    });
    await step(
      "Loading templates into the catalog",
      () => syncTemplatesOnStart(url0, path.resolve(root, launch.PROVISIO_TEMPLATES_DIR), log, Boolean(options.progress)),
      (summary) => summary,
    );
    if (demo) {
      const { inserted } = await step(
        "Seeding demo teams and users",
        () => seedDemoData(connect(url0).db, { demo }),
        (r) => (r.inserted > 0 ? `${r.inserted} rows` : "already there"),
      );
      if (inserted > 0 && !options.progress) log(`provisio: seeded demo data (${inserted} rows)`);
    }
    await disconnectAll();
    checkpoint();

    const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
    const nextArgs = [nextBin, options.mode === "dev" ? "dev" : "start", "-p", String(launch.PORT), ...(bind === null ? [] : ["-H", bind])];
    const spawnWeb = () => {
      // Bounded old space and malloc arenas (memory-settings.ts): what a load leaves behind is given back.
      const webEnv = withMemorySettings({ ...childEnv, PROVISIO_PROCESS: "web" });
      const web = spawn(process.execPath, nextArgs, { cwd: root, env: webEnv, stdio: ["ignore", "pipe", "pipe"] });
      pipeToSink(web, "web", sink);
      return web;
    };
    const spawnWorker = () => {
      const worker = spawn(process.execPath, ["--import", "tsx", path.join(root, "server", "worker", "main.ts")], {
        cwd: root,
        env: withMemorySettings({ ...childEnv, PROVISIO_PROCESS: "worker" }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      pipeToSink(worker, "worker", sink);
      return worker;
    };
    log(describeBind(bind, demoSignIn));
    const web = spawnWeb();
    const worker = spawnWorker();
    children.push(web, worker);

    const url = `http://localhost:${launch.PORT}`;
    const probeUrl = `http://${probeHost(bind)}:${launch.PORT}`;
    await step(
      "Starting web and worker",
      () => waitForHealthy(probeUrl, children, options.mode === "dev" ? 300_000 : 120_000, options.signal),
      () => `logs in ${path.relative(root, sink.dir) || sink.dir}/{web,worker}.log`,
    );

    // From here on a crash is healed: the crashed process is started again (with backoff) and says when it is back.
    const back = (name: string, exitedAt: number, ok: boolean, what: string) =>
      log(
        ok
          ? `provisio: ${name} is back (${what} ${((Date.now() - exitedAt) / 1000).toFixed(1)} s after it exited)`
          : `provisio: restarted ${name} did not come back`,
      );
    supervised.push(
      supervise({
        name: "web",
        first: web,
        spawn: spawnWeb,
        log,
        onRestart: (child, _n, exitedAt) => void becomesHealthy(probeUrl, child, 120_000).then((ok) => back("web", exitedAt, ok, "healthy")),
      }),
      supervise({
        name: "worker",
        first: worker,
        spawn: spawnWorker,
        log,
        onRestart: (child, _n, exitedAt) => void workerRunning(databaseUrl!, child, 120_000).then((ok) => back("worker", exitedAt, ok, "running")),
      }),
    );
    return {
      url,
      databaseUrl,
      demoSignIn,
      bind,
      metricsToken: metricsTokenHint(source, demo, dataDir),
      gaveUp: Promise.race(supervised.map((s) => s.gaveUp)),
      pids: () => ({ web: supervised[0]?.current().pid, worker: supervised[1]?.current().pid }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Entry point of `npm start`: prints the URL and sign-in, and stops everything on Ctrl-C or SIGTERM. */
export async function launchFromCli(options: { mode: "prod" | "dev"; progress?: Progress }): Promise<void> {
  const started = Date.now();
  let stack: Stack | null = null;
  let stopping = false;
  const startup = new AbortController();
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nprovisio: ${reason}: stopping web, worker and database…`);
    if (stack) await stack.stop();
    else startup.abort(); // startStack stops what it started, then rejects; that path exits.
    if (stack) {
      console.log("provisio: stopped.");
      process.exit(code);
    }
  };
  process.on("SIGINT", () => void shutdown("interrupted", 0));
  process.on("SIGTERM", () => void shutdown("terminated", 0));

  try {
    const progress = options.progress;
    stack = await startStack({ mode: options.mode, signal: startup.signal, progress, log: progress ? (line) => progress.line(line) : undefined });
  } catch (error) {
    if (startup.signal.aborted) {
      console.log("provisio: stopped.");
      process.exit(0);
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`\nprovisio: cannot start.\n${message}`);
    process.exit(1);
  }
  console.log(`
  Provisio is running (${options.mode === "dev" ? "development" : "production"} mode, ready in ${((Date.now() - started) / 1000).toFixed(1)} s)

    Open:      ${stack.url}${isLoopback(stack.bind) ? `   (listening on ${stack.bind} only; PROVISIO_BIND=0.0.0.0 serves other machines)` : ""}
    Health:    ${stack.url}/api/health
    Metrics:   ${stack.metricsToken ? `curl -H "Authorization: Bearer ${stack.metricsToken}" ${stack.url}/api/metrics` : "off (set PROVISIO_METRICS_TOKEN to enable /api/metrics)"}
${
  stack.demoSignIn
    ? `    Sign in:   choose a demo user on the sign-in page:\n${demoUsers.map((u) => `                 ${u.email.padEnd(28)} ${u.persona}`).join("\n")}\n`
    : "    Sign in:   with your OpenID Connect provider\n"
}
  A crashed web or worker is restarted. Press Ctrl-C to stop.
`);
  const reason = await stack.gaveUp;
  await shutdown(reason, 1);
}
