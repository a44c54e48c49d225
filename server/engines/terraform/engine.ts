/**
 * The `terraform` engine: runs the Terraform or OpenTofu CLI on a root configuration Provisio
 * writes for each environment (root-module.ts), with state in Postgres.
 *
 * State. Terraform's built-in `pg` backend on Provisio's own database (or
 * PROVISIO_TERRAFORM_STATE_URL): one schema for all of Provisio's Terraform state
 * (PROVISIO_TERRAFORM_STATE_SCHEMA, default `provisio_terraform_state`, apart from the portal's
 * tables), one workspace per environment (`env-<environment id>`), so every environment's state
 * is one row, locked on its own (the backend takes a Postgres advisory lock on the row's id, which
 * a global sequence keeps unique), shared by every worker and kept as long as the database is.
 * A lock held elsewhere is waited for with `-lock-timeout` (PROVISIO_TERRAFORM_LOCK_TIMEOUT);
 * when it runs out the error names the holder (the CLI's connection carries an application name
 * with host and process id). The connection string reaches the CLI only as PG_CONN_STR in its
 * environment: never in a file, an argument or a log line.
 *
 * Working directories. Each environment has its own folder under PROVISIO_TERRAFORM_WORK_DIR
 * (default `<PROVISIO_DATA_DIR>/terraform/<environment id>`, out of the repository), and each run
 * works in a fresh subfolder of it, removed afterwards: `main.tf.json`, `terraform.tfvars.json`
 * and the template's `module/`. Nothing there needs to survive: state is in Postgres, providers
 * come from the plugin cache or the mirror.
 *
 * Runs. apply = init, select (or create) the workspace, `apply -auto-approve -json` (planned and
 * applied under one lock, so a concurrent run waits and then sees the result), `show -json` for
 * the resources (recorded by the runner with tags and hourly cost), `output -json` for the
 * outputs. A crash mid-apply is recovered by the next run: the state has what was saved and the
 * next apply converges on the rest. (A hard kill can lose what Terraform created since it last
 * saved state, at most every 20 seconds with a remote backend; a graceful stop saves.) destroy =
 * `destroy -auto-approve -json`, then the workspace is deleted. CLI output goes live to the run
 * log, each line redacted (known secrets, URL passwords); output values are never logged.
 *
 * Plan previews (previewPlan) run `plan -out` and `show -json` in a scratch folder with local
 * state (a new environment has none yet), priced with the price list; results are cached on disk
 * and in memory by a hash of everything that goes into the plan.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { derivedSecret } from "~/server/core/secret-box";
import { scramVerifier } from "~/server/engines/postgres/scram";
import { envVar, env as runtimeEnv } from "~/server/env";
import { mandatoryTagKeys } from "~/server/templates/format";
import { canonicalJson } from "~/server/templates/canonical-json";
import {
  EngineError,
  planByAddress,
  type ActualResource,
  type Engine,
  type EngineContext,
  type EnvironmentResult,
  type EnvironmentSpec,
} from "../engine";
import { cliEnvironment, Redactor, runCli, type CliResult } from "./cli";
import { defaultTagProviders, inspectModule } from "./module-inspect";
import {
  carriedTags,
  moduleInstanceOf,
  planChanges,
  priceResources,
  rawStateResources,
  stateResources,
  templateResourceOf,
  terraformPrices,
  typeHourlyMicros,
  uiLogEvent,
  type DeclaredUsage,
  type PlanCost,
  type ResourceChange,
} from "./plan-json";
import { buildRootModule, terraformAddress } from "./root-module";
import { locateBinary, terraformSettingsFromEnv, type BinaryLocation, type TerraformSettings } from "./settings";

export type TerraformEngineOptions = TerraformSettings & {
  /** PATH to look the binary up on (default: this process's). */
  pathEnv?: string;
  /** Tests: called with the CLI's process id when a command starts. */
  onCliStart?: (pid: number, args: readonly string[]) => void;
};

export type TerraformPlanPreview = {
  key: string;
  plannedAt: string;
  durationMs: number;
  terraform: string;
  changes: (ResourceChange & { hourlyMicros: number | null })[];
  summary: { create: number; update: number; replace: number; delete: number };
  cost: PlanCost;
  outputs: { name: string; sensitive: boolean }[];
  warnings: string[];
};

export type PreviewSpec = Omit<EnvironmentSpec, "environmentId">;

export type TerraformEngine = Engine & {
  applyAll(ctx: EngineContext, spec: EnvironmentSpec): Promise<EnvironmentResult>;
  destroyAll(ctx: EngineContext, spec: EnvironmentSpec): Promise<void>;
  /** `plan -out` + `show -json` of a new environment, priced; cached by its inputs. */
  previewPlan(spec: PreviewSpec, options?: { signal?: AbortSignal }): Promise<TerraformPlanPreview>;
  /** Whether a CLI is there to run (no process started). */
  availability(): BinaryLocation;
  close(): Promise<void>;
};

type Binary = { path: string; flavor: "terraform" | "tofu"; version: string; label: string };

const permanent = (message: string, address?: string) => new EngineError("permanent", message, { address });
const workspaceOf = (environmentId: string) => `env-${environmentId}`;
const INIT_TIMEOUT_MS = 5 * 60_000;
const SHORT_TIMEOUT_MS = 2 * 60_000;
const PREVIEW_TIMEOUT_MS = 10 * 60_000;
const maxAttributeBytes = 32 * 1024;

/** The state URL as the CLI's libpq-compatible driver wants it: sslmode=disable on a local server, our application name. */
/**
 * The login role of the Terraform CLI for a database: state rows only (see ensureStateRole).
 * Roles belong to the whole server, so the name carries the database's.
 */
export function stateRoleName(database: string): string {
  return `${database
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_")
    .slice(0, 50)}_tf_state`;
}

export function stateConnectionString(url: string, applicationName: string): string {
  const parsed = new URL(url);
  const local = ["localhost", "127.0.0.1", "::1", "[::1]"].includes(parsed.hostname) || parsed.hostname.startsWith("/");
  if (!parsed.searchParams.has("sslmode") && local) parsed.searchParams.set("sslmode", "disable");
  parsed.searchParams.set("application_name", applicationName.slice(0, 63));
  return parsed.toString();
}

/** Keeps attribute values a row can hold: the whole object when small, else its scalar fields. */
function trimAttributes(values: Record<string, unknown>): Record<string, unknown> {
  if (JSON.stringify(values).length <= maxAttributeBytes) return values;
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v === null || typeof v !== "object")
      .map(([k, v]) => [k, typeof v === "string" && v.length > 1024 ? `${v.slice(0, 1024)}…` : v]),
  );
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

class TerraformEngineImpl implements TerraformEngine {
  readonly name = "terraform" as const;
  private readonly options: TerraformEngineOptions;
  private pool: pg.Pool | null = null;
  private binaryPromise: Promise<Binary> | null = null;
  private schemaReady: Promise<void> | null = null;
  /** The least-privileged URL the CLI uses for state, once made (null: the configured URL). */
  private stateRoleUrl: string | null = null;
  private stateRoleProblem: string | null = null;
  private stateRole: string | null = null;
  private cliConfig: Promise<string> | null = null;
  private readonly previews = new Map<string, Promise<TerraformPlanPreview>>();
  private readonly previewSlots = new Semaphore(2);
  private readonly applicationName = `provisio-terraform ${os.hostname()}:${process.pid}`;

  constructor(options: TerraformEngineOptions) {
    this.options = options;
  }

  plan = planByAddress;

  apply(): Promise<ActualResource> {
    return Promise.reject(permanent("the terraform engine applies an environment as a whole (applyAll), not resource by resource"));
  }

  destroy(): Promise<void> {
    return Promise.reject(permanent("the terraform engine destroys an environment as a whole (destroyAll), not resource by resource"));
  }

  /** Looks now (a few stat calls); the engine registry caches the answer for the catalog. */
  availability(): BinaryLocation {
    return locateBinary(this.options.binary, this.options.pathEnv ?? envVar("PATH"));
  }

  /** The CLI and its version; a missing or too old binary is a permanent error that says so. */
  private binary(): Promise<Binary> {
    this.binaryPromise ??= (async () => {
      const location = this.availability();
      if (!location.ok) throw permanent(`The terraform engine cannot run: ${location.reason}.`);
      const dir = await this.ensureDir(path.join(this.options.workDir, "tmp"));
      const result = await runCli(["version", "-json"], {
        binary: location.path,
        cwd: dir,
        env: cliEnvironment({}),
        redact: (t) => t,
        timeoutMs: 30_000,
        rawStdout: true,
      });
      let version = "";
      try {
        version = String((JSON.parse(result.stdout) as { terraform_version?: string }).terraform_version ?? "");
      } catch {
        version = /v?(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] ?? "";
      }
      const [major = 0, minor = 0] = version.split(".").map(Number);
      if (!version)
        throw permanent(
          `The terraform engine cannot run: ${location.path} did not answer "version -json" (${(result.stderr || result.stdout).slice(0, 200)})`,
        );
      if (major < 1 || (major === 1 && minor < 4))
        throw permanent(`The terraform engine needs Terraform 1.4 or newer (or OpenTofu); ${location.path} is ${version}`);
      return { ...location, version, label: `${location.flavor === "tofu" ? "OpenTofu" : "Terraform"} ${version}` };
    })();
    this.binaryPromise.catch(() => {
      // Not cached: installing the binary fixes it without a restart.
      this.binaryPromise = null;
    });
    return this.binaryPromise;
  }

  private async ensureDir(dir: string): Promise<string> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** The CLI configuration: the operator's TF_CLI_CONFIG_FILE when it exists, else ours (plugin cache, mirror, no checkpoint). */
  private cliConfigFile(): Promise<string> {
    this.cliConfig ??= (async () => {
      const own = this.options.cliConfigFile;
      if (own && existsSync(own)) return own;
      const cache = await this.ensureDir(this.options.pluginCacheDir ?? path.join(this.options.workDir, "plugin-cache"));
      const lines = [`plugin_cache_dir = ${JSON.stringify(cache)}`, "disable_checkpoint = true"];
      if (this.options.providerMirror) {
        // Only the mirror: a deployment without internet never tries to download.
        lines.push("provider_installation {", `  filesystem_mirror {`, `    path = ${JSON.stringify(this.options.providerMirror)}`, "  }", "}");
      }
      const file = path.join(await this.ensureDir(this.options.workDir), "terraform.rc");
      await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
      return file;
    })();
    return this.cliConfig;
  }

  private adminPool(): pg.Pool {
    if (!this.pool) {
      this.pool = new pg.Pool({
        connectionString: this.options.stateUrl,
        max: 2,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: 10_000,
        application_name: "provisio-terraform-engine",
      });
      this.pool.on("error", () => undefined);
    }
    return this.pool;
  }

  private get schema(): string {
    return pg.escapeIdentifier(this.options.stateSchema);
  }

  /**
   * The backend's schema, sequence, table and index, created once with the same statements the
   * backend runs, under a lock: two first runs at once would otherwise race to create them.
   */
  private ensureStateSchema(): Promise<void> {
    this.schemaReady ??= (async () => {
      const client = await this.adminPool().connect();
      try {
        await client.query("begin");
        await client.query("select pg_advisory_xact_lock(hashtext('provisio.terraform-state'), 0)");
        await client.query(`create schema if not exists ${this.schema}`);
        await client.query("create sequence if not exists public.global_states_id_seq as bigint");
        await client.query(
          `create table if not exists ${this.schema}.states (id bigint not null default nextval('public.global_states_id_seq') primary key, name text unique, data text)`,
        );
        await client.query(`create unique index if not exists states_by_name on ${this.schema}.states (name)`);
        this.stateRoleUrl = await this.ensureStateRole(client);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw new EngineError("transient", `could not prepare the Terraform state schema: ${(error as Error).message}`);
      } finally {
        client.release();
      }
    })();
    this.schemaReady.catch(() => {
      this.schemaReady = null;
    });
    return this.schemaReady;
  }

  /**
   * The role the CLI connects as: it may read and write the state rows and nothing else of the
   * database, so a module (a `local-exec`, a provider) that reads PG_CONN_STR from its
   * environment cannot reach the portal's tables. Its password is derived from NEXTAUTH_SECRET,
   * the same in every process, and set as a SCRAM verifier (never in clear in a statement).
   * Where the configured URL may not create roles (an external state database), the CLI uses
   * that URL as configured and the run log says so.
   */
  private async ensureStateRole(client: pg.PoolClient): Promise<string | null> {
    try {
      await client.query("savepoint state_role");
      const database = (await client.query<{ db: string }>("select current_database() as db")).rows[0]!.db;
      const name = stateRoleName(database);
      const role = pg.escapeIdentifier(name);
      await client.query(
        `do $$ begin if not exists (select from pg_roles where rolname = ${pg.escapeLiteral(name)}) then create role ${role}; end if; end $$`,
      );
      const password = derivedSecret(`terraform-state-role:${database}`);
      await client.query(
        `alter role ${role} with login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls connection limit 100 password ${pg.escapeLiteral(scramVerifier(password))}`,
      );
      await client.query(`grant connect on database ${pg.escapeIdentifier(database)} to ${role}`);
      await client.query(`grant usage on schema ${this.schema} to ${role}`);
      await client.query(`grant select, insert, update, delete on ${this.schema}.states to ${role}`);
      await client.query(`grant usage, select on sequence public.global_states_id_seq to ${role}`);
      await client.query("release savepoint state_role");
      this.stateRole = name;
      const url = new URL(this.options.stateUrl);
      url.username = name;
      url.password = password;
      return url.toString();
    } catch (error) {
      await client.query("rollback to savepoint state_role");
      this.stateRoleProblem = (error as Error).message;
      return null;
    }
  }

  private redactor(): Redactor {
    const redactor = new Redactor();
    try {
      const url = new URL(this.options.stateUrl);
      redactor.add(this.options.stateUrl, decodeURIComponent(url.password));
    } catch {
      redactor.add(this.options.stateUrl);
    }
    if (this.stateRoleUrl) redactor.add(this.stateRoleUrl, decodeURIComponent(new URL(this.stateRoleUrl).password));
    return redactor;
  }

  /** Writes the root module, tfvars and module files into a fresh folder; returns it. */
  private async prepare(dir: string, spec: PreviewSpec, backend: boolean): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    await this.ensureDir(dir);
    const inspection = inspectModule(spec.template.moduleFiles);
    let root;
    try {
      root = buildRootModule({
        spec: spec.template.document.spec,
        parameters: spec.parameters,
        environment: spec.environment,
        tags: spec.tags,
        backend: backend ? { schemaName: this.options.stateSchema } : null,
        defaultTagProviders: defaultTagProviders(inspection),
      });
    } catch (error) {
      throw permanent(`cannot write the Terraform configuration of ${spec.template.name}@${spec.template.version}: ${(error as Error).message}`);
    }
    await writeFile(path.join(dir, "main.tf.json"), `${JSON.stringify(root.mainTf, null, 2)}\n`, { mode: 0o600 });
    await writeFile(path.join(dir, "terraform.tfvars.json"), `${JSON.stringify(root.tfvars, null, 2)}\n`, { mode: 0o600 });
    for (const [file, text] of Object.entries(spec.template.moduleFiles)) {
      const normalized = path.posix.normalize(file);
      if (!normalized.startsWith("module/") || normalized.split("/").includes("..") || path.isAbsolute(normalized))
        throw permanent(`module file "${file}" is outside module/`);
      const target = path.join(dir, ...normalized.split("/"));
      await this.ensureDir(path.dirname(target));
      await writeFile(target, text, { mode: 0o600 });
    }
  }

  private async cliEnv(backend: boolean): Promise<NodeJS.ProcessEnv> {
    return cliEnvironment({
      TF_CLI_CONFIG_FILE: await this.cliConfigFile(),
      ...(backend ? { PG_CONN_STR: stateConnectionString(this.stateRoleUrl ?? this.options.stateUrl, this.applicationName) } : {}),
    });
  }

  private run(
    binary: Binary,
    args: string[],
    dir: string,
    options: {
      env: NodeJS.ProcessEnv;
      redactor: Redactor;
      signal?: AbortSignal;
      timeoutMs?: number;
      onLine?: (line: string, stream: "stdout" | "stderr") => void | Promise<void>;
      rawStdout?: boolean;
    },
  ): Promise<CliResult> {
    return runCli(args, {
      binary: binary.path,
      cwd: dir,
      env: options.env,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      redact: options.redactor.redact,
      onLine: options.onLine,
      rawStdout: options.rawStdout,
      onSpawn: this.options.onCliStart ? (pid) => this.options.onCliStart?.(pid, args) : undefined,
    });
  }

  /** A failed command as an EngineError: lock and connection trouble are transient, the rest names Terraform's own error. */
  private async failure(
    command: string,
    result: CliResult,
    diagnostics: string[],
    ctx: { signal?: AbortSignal; environmentId?: string },
  ): Promise<EngineError> {
    if (ctx.signal?.aborted)
      return new EngineError("transient", `stopped: the worker is shutting down (terraform ${command} was interrupted and saved its state)`);
    const text = [...diagnostics, result.stderr, result.stdout].join("\n");
    if (result.signal)
      return new EngineError("transient", `terraform ${command} was killed (${result.signal}); the next attempt carries on from the saved state`);
    if (/Error acquiring the state lock|already locked/i.test(text)) {
      const holder = ctx.environmentId ? await this.lockHolder(ctx.environmentId).catch(() => null) : null;
      return new EngineError(
        "transient",
        `the state of this environment is locked by another Terraform run${holder ? ` (${holder})` : ""} and stayed locked longer than the lock timeout (${this.options.lockTimeoutSeconds} s)`,
        { retryAfterMs: 5_000, code: "state_locked" },
      );
    }
    if (
      /connection refused|no such host|could not connect|timeout expired|the database system is (starting|shutting) up|too many clients/i.test(
        text,
      ) &&
      /Failed to (get existing workspaces|load state|initialize|lock|persist|configure)|backend/i.test(text)
    ) {
      return new EngineError(
        "transient",
        `terraform ${command} could not reach the state database: ${(diagnostics[0] ?? result.stderr).slice(0, 500)}`,
      );
    }
    const first =
      diagnostics[0] ?? result.stderr.split("\n").find((l) => /error/i.test(l)) ?? result.stderr.trim().split("\n")[0] ?? `exit code ${result.code}`;
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more error${diagnostics.length > 2 ? "s" : ""} in the run log)` : "";
    return permanent(
      `terraform ${command} failed: ${first
        .replace(/^Error:\s*/, "")
        .replace(/\s+/g, " ")
        .trim()
        .slice(0, 1500)}${more}`,
    );
  }

  /** Who holds the advisory lock on an environment's state row: the CLI's application name, pid and since when. */
  private async lockHolder(environmentId: string): Promise<string | null> {
    const { rows } = await this.adminPool().query<{ application_name: string; pid: number; backend_start: Date }>(
      `select a.application_name, a.pid, a.backend_start from ${this.schema}.states s
         join pg_locks l on l.locktype = 'advisory' and l.granted and l.objsubid = 1 and ((l.classid::bigint << 32) | l.objid::bigint) = s.id
         join pg_stat_activity a on a.pid = l.pid
        where s.name = $1 limit 1`,
      [workspaceOf(environmentId)],
    );
    const row = rows[0];
    return row
      ? `held by ${row.application_name || "an unnamed client"}, server pid ${row.pid}, connected since ${row.backend_start.toISOString()}`
      : null;
  }

  /** Runs one command and fails with a clear error when it does. Diagnostics of `-json` commands are collected. */
  private async step(
    binary: Binary,
    args: string[],
    dir: string,
    options: {
      env: NodeJS.ProcessEnv;
      redactor: Redactor;
      ctx?: EngineContext;
      timeoutMs?: number;
      json?: boolean;
      log?: boolean;
      rawStdout?: boolean;
      signal?: AbortSignal;
    },
  ): Promise<CliResult> {
    const diagnostics: string[] = [];
    const ctx = options.ctx;
    const result = await this.run(binary, args, dir, {
      env: options.env,
      redactor: options.redactor,
      signal: options.signal ?? ctx?.signal,
      timeoutMs: options.timeoutMs,
      rawStdout: options.rawStdout,
      onLine: async (line, stream) => {
        if (options.json && stream === "stdout") {
          const event = uiLogEvent(line);
          if (!event) return;
          if (event.level === "error") diagnostics.push(event.message);
          if (options.log !== false && ctx)
            await ctx.log({ level: event.level, message: event.message, ...(event.address ? { address: event.address } : {}) });
        } else if (stream === "stderr" && ctx && options.log !== false) {
          await ctx.log({ level: "warn", message: line });
        }
      },
    });
    if (result.code !== 0)
      throw await this.failure(args[0] ?? "", result, diagnostics, { signal: options.signal ?? ctx?.signal, environmentId: ctx?.environmentId });
    return result;
  }

  /** A fresh folder for one run of one environment; stale ones of killed processes are removed. */
  private async runDir(environmentId: string): Promise<string> {
    const envDir = await this.ensureDir(path.join(this.options.workDir, environmentId));
    for (const entry of await readdir(envDir).catch(() => [] as string[])) {
      const full = path.join(envDir, entry);
      const info = await stat(full).catch(() => null);
      if (info && Date.now() - info.mtimeMs > 24 * 3_600_000) await rm(full, { recursive: true, force: true });
    }
    return path.join(envDir, `run-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`);
  }

  private async initWorkspace(binary: Binary, dir: string, env: NodeJS.ProcessEnv, redactor: Redactor, ctx: EngineContext) {
    await this.step(binary, ["init", "-input=false", "-no-color", "-reconfigure"], dir, {
      env,
      redactor,
      ctx,
      timeoutMs: INIT_TIMEOUT_MS,
      log: false,
    });
    await this.step(binary, ["workspace", "select", "-or-create=true", "-no-color", workspaceOf(ctx.environmentId)], dir, {
      env,
      redactor,
      ctx,
      timeoutMs: SHORT_TIMEOUT_MS,
      log: false,
    });
  }

  async applyAll(ctx: EngineContext, spec: EnvironmentSpec): Promise<EnvironmentResult> {
    const binary = await this.binary();
    await this.ensureStateSchema();
    const dir = await this.runDir(spec.environmentId);
    const redactor = this.redactor();
    try {
      await this.prepare(dir, spec, true);
      const env = await this.cliEnv(true);
      await ctx.log({
        level: "info",
        message: `${binary.label}: workspace ${workspaceOf(spec.environmentId)} in the pg backend (schema ${this.options.stateSchema}, role ${this.stateRole ?? "as configured"}), lock timeout ${this.options.lockTimeoutSeconds} s`,
      });
      if (this.stateRoleProblem)
        await ctx.log({
          level: "warn",
          message: `could not make a state-only role (${this.stateRoleProblem}): the CLI uses the configured state URL`,
        });
      await this.initWorkspace(binary, dir, env, redactor, ctx);
      await this.step(binary, ["apply", "-auto-approve", "-input=false", "-json", `-lock-timeout=${this.options.lockTimeoutSeconds}s`], dir, {
        env,
        redactor,
        ctx,
        json: true,
      });
      const show = await this.step(binary, ["show", "-json", "-no-color"], dir, {
        env,
        redactor,
        ctx,
        timeoutMs: SHORT_TIMEOUT_MS,
        log: false,
        rawStdout: true,
      });
      const output = await this.step(binary, ["output", "-json", "-no-color"], dir, {
        env,
        redactor,
        ctx,
        timeoutMs: SHORT_TIMEOUT_MS,
        log: false,
        rawStdout: true,
      });
      const resources = this.recordedResources(spec, JSON.parse(show.stdout || "{}") as Parameters<typeof stateResources>[0]);
      const { outputs, sensitiveOutputs } = this.outputs(
        spec,
        JSON.parse(output.stdout || "{}") as Record<string, { sensitive?: boolean; value?: unknown }>,
      );
      redactor.add(...Object.values(sensitiveOutputs));
      await this.logSummary(ctx, spec, resources, outputs, sensitiveOutputs);
      return { resources, outputs, sensitiveOutputs };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private recordedResources(
    spec: PreviewSpec & { environmentId: string },
    show: Parameters<typeof stateResources>[0],
  ): EnvironmentResult["resources"] {
    const documentResources = new Map(spec.template.document.spec.resources.map((r) => [r.id, r]));
    const planned = new Map(spec.planned.map((p) => [p.id, p]));
    const regionOf = (templateResource: string) => planned.get(templateResource)?.region ?? null;
    // Declared usage, by the Terraform address it is charged to.
    const declared = new Map<string, number>();
    for (const p of spec.planned) {
      const resource = documentResources.get(p.id);
      if (resource) declared.set(terraformAddress(resource, p.index), (declared.get(terraformAddress(resource, p.index)) ?? 0) + p.hourlyMicros);
    }
    const state = stateResources(show);
    const out: EnvironmentResult["resources"] = [];
    const modules = new Set<string>();
    for (const r of state) {
      const templateResource = templateResourceOf(r.address);
      const moduleInstance = moduleInstanceOf(r.address);
      if (moduleInstance) modules.add(moduleInstance);
      const byType = typeHourlyMicros(r.type, regionOf(templateResource))?.hourlyMicros ?? 0;
      const own = carriedTags(r.values) ?? {};
      out.push({
        address: r.address,
        type: r.type,
        providerId: String(r.values.id ?? r.values.arn ?? r.address),
        properties: { region: regionOf(templateResource), template_resource: templateResource, provider: r.providerName },
        attributes: trimAttributes(r.values),
        sensitive: r.sensitive,
        tags: { ...own, ...spec.tags },
        idempotencyKey: `${spec.environmentId}/${r.address}`,
        status: "ready",
        hourlyMicros: byType + (declared.get(r.address) ?? 0),
      });
    }
    // Each module call is recorded too: the usage its template resource declares is charged to it.
    for (const moduleInstance of [...modules].sort()) {
      const templateResource = templateResourceOf(moduleInstance);
      out.push({
        address: moduleInstance,
        type: "module",
        providerId: moduleInstance,
        properties: { region: regionOf(templateResource), template_resource: templateResource, source: "./module" },
        attributes: {},
        sensitive: {},
        tags: { ...spec.tags },
        idempotencyKey: `${spec.environmentId}/${moduleInstance}`,
        status: "ready",
        hourlyMicros: declared.get(moduleInstance) ?? 0,
      });
    }
    return out;
  }

  private outputs(spec: PreviewSpec, raw: Record<string, { sensitive?: boolean; value?: unknown }>) {
    const sensitiveNames = new Set(spec.template.document.spec.outputs.filter((o) => o.sensitive).map((o) => o.name));
    const outputs: Record<string, string> = {};
    const sensitiveOutputs: Record<string, string> = {};
    for (const [name, o] of Object.entries(raw)) {
      if (o.value === null || o.value === undefined) continue;
      const text = typeof o.value === "string" ? o.value : JSON.stringify(o.value);
      (o.sensitive || sensitiveNames.has(name) ? sensitiveOutputs : outputs)[name] = text;
    }
    return { outputs, sensitiveOutputs };
  }

  private async logSummary(
    ctx: EngineContext,
    spec: EnvironmentSpec,
    resources: EnvironmentResult["resources"],
    outputs: Record<string, string>,
    sensitive: Record<string, string>,
  ) {
    const hourly = resources.reduce((sum, r) => sum + r.hourlyMicros, 0);
    const unpriced = resources.filter((r) => r.type !== "module" && !terraformPrices.resourceTypes?.[r.type]);
    await ctx.log({
      level: "info",
      message: `State: ${resources.filter((r) => r.type !== "module").length} resources; cost from the price list $${(hourly / 1e6).toFixed(6)}/hour${unpriced.length ? `; unpriced (not in the terraform price list): ${unpriced.map((r) => `${r.address} (${r.type})`).join(", ")}` : ""}`,
      data: { hourlyMicros: hourly, unpriced: unpriced.map((r) => r.address) },
    });
    for (const r of resources) {
      if (r.type === "module") continue;
      const carried = carriedTags(r.attributes);
      const missing = carried ? mandatoryTagKeys.filter((k) => spec.tags[k] !== undefined && carried[k] !== spec.tags[k]) : null;
      if (missing === null) continue;
      if (missing.length)
        await ctx.log({
          level: "warn",
          message: `${r.address} does not carry the mandatory tags ${missing.join(", ")}: its module must merge var.tags into it`,
          address: r.address,
        });
    }
    const names = Object.keys(outputs);
    const secretCount = Object.keys(sensitive).length;
    await ctx.log({
      level: "info",
      message: `Outputs: ${names.length ? names.join(", ") : "none"}${secretCount ? ` (+${secretCount} sensitive, stored encrypted)` : ""}`,
    });
  }

  async destroyAll(ctx: EngineContext, spec: EnvironmentSpec): Promise<void> {
    const binary = await this.binary();
    await this.ensureStateSchema();
    const dir = await this.runDir(spec.environmentId);
    const redactor = this.redactor();
    try {
      await this.prepare(dir, spec, true);
      const env = await this.cliEnv(true);
      await ctx.log({ level: "info", message: `${binary.label}: destroying workspace ${workspaceOf(spec.environmentId)}` });
      await this.initWorkspace(binary, dir, env, redactor, ctx);
      await this.step(binary, ["destroy", "-auto-approve", "-input=false", "-json", `-lock-timeout=${this.options.lockTimeoutSeconds}s`], dir, {
        env,
        redactor,
        ctx,
        json: true,
      });
      await this.step(binary, ["workspace", "select", "-no-color", "default"], dir, { env, redactor, ctx, timeoutMs: SHORT_TIMEOUT_MS, log: false });
      await this.step(
        binary,
        ["workspace", "delete", "-no-color", `-lock-timeout=${this.options.lockTimeoutSeconds}s`, workspaceOf(spec.environmentId)],
        dir,
        { env, redactor, ctx, timeoutMs: SHORT_TIMEOUT_MS, log: false },
      );
      await ctx.log({ level: "info", message: `Workspace ${workspaceOf(spec.environmentId)} deleted: no state is left` });
    } finally {
      await rm(dir, { recursive: true, force: true });
      // The environment's folder goes when it is empty (another run may still be using a sibling).
      await rmdir(path.dirname(dir)).catch(() => undefined);
    }
  }

  /** What the state says exists, read straight from the backend's table (no CLI needed). */
  async read(ctx: Pick<EngineContext, "environmentId" | "signal">): Promise<ActualResource[]> {
    await this.ensureStateSchema();
    const { rows } = await this.adminPool().query<{ data: string | null }>(`select data from ${this.schema}.states where name = $1`, [
      workspaceOf(ctx.environmentId),
    ]);
    const data = rows[0]?.data;
    if (!data) return [];
    let state: Parameters<typeof rawStateResources>[0];
    try {
      state = JSON.parse(data) as Parameters<typeof rawStateResources>[0];
    } catch {
      throw permanent(`the Terraform state of environment ${ctx.environmentId} is not valid JSON`);
    }
    const resources = rawStateResources(state);
    const modules = new Set(resources.map((r) => moduleInstanceOf(r.address)).filter((m): m is string => m !== null));
    return [
      ...resources.map((r) => ({
        address: r.address,
        type: r.type,
        providerId: String(r.attributes.id ?? r.address),
        properties: { template_resource: templateResourceOf(r.address) },
        attributes: { id: r.attributes.id ?? null },
        sensitive: {},
        tags: carriedTags(r.attributes) ?? {},
        idempotencyKey: `${ctx.environmentId}/${r.address}`,
        status: "ready" as const,
      })),
      ...[...modules].map((m) => ({
        address: m,
        type: "module",
        providerId: m,
        properties: { template_resource: templateResourceOf(m) },
        attributes: {},
        sensitive: {},
        tags: {},
        idempotencyKey: `${ctx.environmentId}/${m}`,
        status: "ready" as const,
      })),
    ];
  }

  previewPlan(spec: PreviewSpec, options: { signal?: AbortSignal } = {}): Promise<TerraformPlanPreview> {
    const key = createHash("sha256")
      .update(
        canonicalJson({
          template: spec.template.name,
          version: spec.template.version,
          files: spec.template.moduleFiles,
          document: spec.template.document,
          parameters: spec.parameters,
          environment: spec.environment,
          tags: spec.tags,
          planned: spec.planned,
        }),
      )
      .update(`\0${terraformPrices.source.retrieved}\0${JSON.stringify(terraformPrices.resourceTypes ?? {})}`)
      .digest("hex")
      .slice(0, 32);
    const cached = this.previews.get(key);
    if (cached) return cached;
    const promise = this.runPreview(key, spec, options.signal);
    this.previews.set(key, promise);
    promise.catch(() => this.previews.delete(key));
    if (this.previews.size > 200) this.previews.delete(this.previews.keys().next().value as string);
    return promise;
  }

  private async runPreview(key: string, spec: PreviewSpec, signal?: AbortSignal): Promise<TerraformPlanPreview> {
    const cacheFile = path.join(this.options.workDir, "previews", `${key}.json`);
    const fromDisk = await readFile(cacheFile, "utf8")
      .then((t) => JSON.parse(t) as TerraformPlanPreview)
      .catch(() => null);
    if (fromDisk?.key === key) return fromDisk;
    const binary = await this.binary();
    return this.previewSlots.run(async () => {
      const started = Date.now();
      const dir = path.join(this.options.workDir, "previews", `${key}-${randomBytes(3).toString("hex")}`);
      const redactor = this.redactor();
      try {
        await this.prepare(dir, spec, false);
        const env = await this.cliEnv(false);
        const opts = { env, redactor, signal, timeoutMs: PREVIEW_TIMEOUT_MS };
        await this.step(binary, ["init", "-input=false", "-no-color"], dir, { ...opts, timeoutMs: INIT_TIMEOUT_MS });
        const warnings: string[] = [];
        const diagnostics: string[] = [];
        const planned = await this.run(binary, ["plan", "-out=tfplan", "-input=false", "-json", "-lock=false"], dir, {
          ...opts,
          onLine: (line) => {
            const event = uiLogEvent(line);
            if (event?.diagnostic) (event.level === "error" ? diagnostics : warnings).push(event.message);
          },
        });
        if (planned.code !== 0) throw await this.failure("plan", planned, diagnostics, { signal });
        const show = await this.step(binary, ["show", "-json", "-no-color", "tfplan"], dir, { ...opts, rawStdout: true });
        const plan = JSON.parse(show.stdout || "{}") as Parameters<typeof planChanges>[0] & {
          output_changes?: Record<string, { after_sensitive?: unknown }>;
          planned_values?: { outputs?: Record<string, { sensitive?: boolean }> };
        };
        const preview = this.pricePreview(key, spec, plan, binary, warnings, Date.now() - started);
        await this.ensureDir(path.dirname(cacheFile));
        await writeFile(cacheFile, JSON.stringify(preview), { mode: 0o600 });
        return preview;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  private pricePreview(
    key: string,
    spec: PreviewSpec,
    plan: Parameters<typeof planChanges>[0] & {
      planned_values?: { outputs?: Record<string, { sensitive?: boolean }> };
      output_changes?: Record<string, unknown>;
    },
    binary: Binary,
    warnings: string[],
    durationMs: number,
  ): TerraformPlanPreview {
    const changes = planChanges(plan);
    const documentResources = new Map(spec.template.document.spec.resources.map((r) => [r.id, r]));
    const planned = new Map(spec.planned.map((p) => [p.id, p]));
    const regionOf = (templateResource: string) => planned.get(templateResource)?.region ?? null;
    const declared: DeclaredUsage[] = spec.planned.flatMap((p) => {
      const resource = documentResources.get(p.id);
      if (!resource || p.hourlyMicros === 0) return [];
      return [
        {
          terraformAddress: terraformAddress(resource, p.index),
          label: `${p.address}: declared usage${p.size ? `, ${p.size}` : ""}`,
          hourlyMicros: p.hourlyMicros,
        },
      ];
    });
    const remaining = changes.filter((c) => c.action !== "delete" && c.action !== "read");
    const cost = priceResources(remaining, declared, regionOf);
    const summary = { create: 0, update: 0, replace: 0, delete: 0 };
    for (const c of changes) if (c.action in summary) summary[c.action as keyof typeof summary]++;
    const outputs = Object.entries(plan.planned_values?.outputs ?? {}).map(([name, o]) => ({ name, sensitive: o.sensitive === true }));
    for (const name of Object.keys(plan.output_changes ?? {})) if (!outputs.some((o) => o.name === name)) outputs.push({ name, sensitive: false });
    return {
      key,
      plannedAt: new Date().toISOString(),
      durationMs,
      terraform: binary.label,
      changes: changes.map((c) => ({
        ...c,
        hourlyMicros: c.action === "delete" ? 0 : (typeHourlyMicros(c.type, regionOf(c.templateResource))?.hourlyMicros ?? null),
      })),
      summary,
      cost,
      outputs: outputs.sort((a, b) => a.name.localeCompare(b.name)),
      warnings,
    };
  }

  async close(): Promise<void> {
    await this.pool?.end().catch(() => undefined);
    this.pool = null;
  }
}

export function createTerraformEngine(options: TerraformEngineOptions): TerraformEngine {
  return new TerraformEngineImpl(options);
}

let shared: TerraformEngine | undefined;

/** One engine per process, configured from the environment (worker registry, plan previews). */
export function terraformEngine(): TerraformEngine {
  shared ??= createTerraformEngine(terraformSettingsFromEnv(runtimeEnv()));
  return shared;
}
