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
 * Working directories. One folder per configuration (root module + module files) under
 * `<PROVISIO_TERRAFORM_WORK_DIR>/configs/<hash>` (default work dir `<PROVISIO_DATA_DIR>/terraform`,
 * out of the repository), initialised once (`init`, providers from the plugin cache or the
 * mirror) and reused by every run of every environment with that configuration. A run adds only
 * its own var file (the values) and selects its workspace with TF_WORKSPACE, so runs share the
 * folder without touching each other. Nothing there needs to survive: state is in Postgres.
 *
 * Runs (as few CLI invocations as possible, each costs ≥ 100 ms). apply = `apply -auto-approve
 * -json` (planned and applied under one lock, so a concurrent run waits and then sees the
 * result), or `apply <saved plan>` for the exact plan an approver saw; then one `show -json` of
 * the state for the resources (recorded by the runner with tags and hourly cost) and the outputs.
 * A crash mid-apply is recovered by the next run: the state has what was saved and the next apply
 * converges on the rest. (A hard kill can lose what Terraform created since it last saved state,
 * at most every 20 seconds with a remote backend; a graceful stop saves.) destroy = `destroy
 * -auto-approve -json`, then the empty state row is deleted under the backend's lock (what
 * `workspace delete` does, without two more CLI runs). drift = `plan -detailed-exitcode` of the
 * applied configuration against the refreshed world, nothing saved. CLI output goes live to the
 * run log, each line redacted (known secrets, URL passwords); output values are never logged.
 *
 * Plan previews (previewPlan) run `plan -out` and `show -json` in the configuration's folder
 * without a backend (a new environment has no state yet), priced with the price list; results are cached on disk
 * and in memory by a hash of everything that goes into the plan.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
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
  type SavedEnginePlan,
} from "../engine";
import type { DriftReport } from "../drift";
import { cliEnvironment, Redactor, runCli, type CliResult } from "./cli";
import { defaultTagProviders, inspectModule } from "./module-inspect";
import {
  carriedTags,
  driftFromPlan,
  moduleInstanceOf,
  planDiff,
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

/** A saved plan: the file `terraform apply` takes (carries secrets), its `show -json`, and its diff. */
export type SavedPlan = SavedEnginePlan;

export type TerraformEngine = Engine & {
  /** With `savedPlan`: applies exactly that plan file (`terraform apply plan.tfplan`); a stale one fails with code `plan_stale`. */
  applyAll(ctx: EngineContext, spec: EnvironmentSpec, options?: { savedPlan?: Uint8Array }): Promise<EnvironmentResult>;
  destroyAll(ctx: EngineContext, spec: EnvironmentSpec): Promise<void>;
  checkDrift(ctx: EngineContext, spec: EnvironmentSpec): Promise<DriftReport>;
  /** A saved plan of the environment in its workspace, for approval and an exact apply. */
  planAll(ctx: EngineContext, spec: EnvironmentSpec): Promise<SavedPlan>;
  /** `plan -out` + `show -json` of a new environment, priced; cached by its inputs. */
  previewPlan(spec: PreviewSpec, options?: { signal?: AbortSignal }): Promise<TerraformPlanPreview>;
  /** Whether a CLI is there to run (no process started). */
  availability(): BinaryLocation;
  close(): Promise<void>;
};

type ConfigDir = { dir: string; varFile: string; cleanup: () => Promise<void> };
/** Written last into an initialised configuration folder. */
const readyMarker = ".provisio-ready";

type Binary = { path: string; flavor: "terraform" | "tofu"; version: string; label: string };

const permanent = (message: string, address?: string) => new EngineError("permanent", message, { address });
const workspaceOf = (environmentId: string) => `env-${environmentId}`;
const INIT_TIMEOUT_MS = 5 * 60_000;
const SHORT_TIMEOUT_MS = 2 * 60_000;
const PREVIEW_TIMEOUT_MS = 10 * 60_000;
const maxAttributeBytes = 32 * 1024;
/** A provider's read that may succeed later: throttling, outages, timeouts, interrupted by the timeout. */
const transientRead =
  /rate ?limit|throttl|too many requests|\b(429|500|502|503|504)\b|timed? ?out|timeout|temporar|unavailable|connection (reset|refused)|interrupt/i;

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
  /** Configurations being initialised by this process, by folder. */
  private readonly inits = new Map<string, Promise<void>>();
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

  private rootModule(spec: PreviewSpec, backend: boolean) {
    try {
      return buildRootModule({
        spec: spec.template.document.spec,
        parameters: spec.parameters,
        environment: spec.environment,
        tags: spec.tags,
        backend: backend ? { schemaName: this.options.stateSchema } : null,
        defaultTagProviders: defaultTagProviders(inspectModule(spec.template.moduleFiles)),
      });
    } catch (error) {
      throw permanent(`cannot write the Terraform configuration of ${spec.template.name}@${spec.template.version}: ${(error as Error).message}`);
    }
  }

  /** main.tf.json and the module files, by relative path; a module file outside module/ is refused. */
  private configFiles(spec: PreviewSpec, mainTf: Record<string, unknown>): Record<string, string> {
    const files: Record<string, string> = { "main.tf.json": `${JSON.stringify(mainTf, null, 2)}\n` };
    for (const [file, text] of Object.entries(spec.template.moduleFiles)) {
      const normalized = path.posix.normalize(file);
      if (!normalized.startsWith("module/") || normalized.split("/").includes("..") || path.isAbsolute(normalized))
        throw permanent(`module file "${file}" is outside module/`);
      files[normalized] = text;
    }
    return files;
  }

  private async writeFiles(dir: string, files: Record<string, string>): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    await this.ensureDir(dir);
    for (const [file, text] of Object.entries(files)) {
      const target = path.join(dir, ...file.split("/"));
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
    if (/Saved plan is stale/i.test(text))
      return new EngineError("permanent", "the saved plan no longer applies: the state changed after it was made (Saved plan is stale)", {
        code: "plan_stale",
      });
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
           and l.database = (select oid from pg_database where datname = current_database())
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

  /**
   * The working directory of one configuration (the root module and the module files, not the
   * values): initialised once and reused by every run of every environment with the same
   * configuration, so a run does not pay for `init` (providers come from the plugin cache). Runs
   * share it safely: each passes its values in its own var file and its workspace as
   * TF_WORKSPACE, so none writes anything another reads. It is initialised in a scratch folder
   * and renamed into place, so a half-initialised one is never used.
   */
  private async configDir(
    binary: Binary,
    spec: PreviewSpec,
    env: NodeJS.ProcessEnv,
    redactor: Redactor,
    run: { ctx?: EngineContext; signal?: AbortSignal; backend?: boolean },
  ): Promise<ConfigDir> {
    const backend = run.backend ?? true;
    const root = this.rootModule(spec, backend);
    const files = this.configFiles(spec, root.mainTf);
    const hash = createHash("sha256")
      .update(canonicalJson({ files, binary: `${binary.path} ${binary.version}`, schema: backend ? this.options.stateSchema : null }))
      .digest("hex")
      .slice(0, 24);
    const dir = path.join(this.options.workDir, "configs", hash);
    if (!existsSync(path.join(dir, readyMarker))) {
      let pending = this.inits.get(dir);
      if (!pending) {
        pending = this.initConfig(binary, dir, files, env, redactor, run);
        this.inits.set(dir, pending);
        void pending.finally(() => this.inits.delete(dir)).catch(() => undefined);
      }
      await pending;
    }
    const varFile = `run-${randomBytes(6).toString("hex")}.tfvars.json`;
    await writeFile(path.join(dir, varFile), `${JSON.stringify(root.tfvars)}\n`, { mode: 0o600 });
    return { dir, varFile, cleanup: () => rm(path.join(dir, varFile), { force: true }) };
  }

  private async initConfig(
    binary: Binary,
    dir: string,
    files: Record<string, string>,
    env: NodeJS.ProcessEnv,
    redactor: Redactor,
    run: { ctx?: EngineContext; signal?: AbortSignal },
  ) {
    const parent = await this.ensureDir(path.dirname(dir));
    // Configurations unused for a week go (a run touches its folder when it writes its var file).
    for (const entry of await readdir(parent).catch(() => [] as string[])) {
      const full = path.join(parent, entry);
      const info = await stat(full).catch(() => null);
      if (info && Date.now() - info.mtimeMs > 7 * 24 * 3_600_000) await rm(full, { recursive: true, force: true });
    }
    const scratch = `${dir}.init-${randomBytes(4).toString("hex")}`;
    try {
      await this.writeFiles(scratch, files);
      await this.step(binary, ["init", "-input=false", "-no-color", "-reconfigure"], scratch, {
        // Never in a workspace: TF_WORKSPACE is for the commands that follow.
        env: { ...env, TF_WORKSPACE: undefined },
        redactor,
        ctx: run.ctx,
        signal: run.signal,
        timeoutMs: INIT_TIMEOUT_MS,
        log: false,
      });
      await writeFile(path.join(scratch, readyMarker), new Date().toISOString(), { mode: 0o600 });
      try {
        await rename(scratch, dir);
      } catch (error) {
        // Another process initialised the same configuration first: use theirs.
        if (!existsSync(path.join(dir, readyMarker))) throw error;
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** The environment's workspace for every command but `init`: selected without a command (and without writing to the shared folder). */
  private async workspaceEnv(environmentId: string): Promise<NodeJS.ProcessEnv> {
    return { ...(await this.cliEnv(true)), TF_WORKSPACE: workspaceOf(environmentId) };
  }

  private async beginRun(ctx: EngineContext): Promise<{ binary: Binary; env: NodeJS.ProcessEnv; redactor: Redactor }> {
    // Independent: the binary's version and the state schema.
    const [binary] = await Promise.all([this.binary(), this.ensureStateSchema()]);
    return { binary, env: await this.workspaceEnv(ctx.environmentId), redactor: this.redactor() };
  }

  async applyAll(ctx: EngineContext, spec: EnvironmentSpec, options: { savedPlan?: Uint8Array } = {}): Promise<EnvironmentResult> {
    const { binary, env, redactor } = await this.beginRun(ctx);
    await ctx.log({
      level: "info",
      message: `${binary.label}: workspace ${workspaceOf(spec.environmentId)} in the pg backend (schema ${this.options.stateSchema}, role ${this.stateRole ?? "as configured"}), lock timeout ${this.options.lockTimeoutSeconds} s`,
    });
    if (this.stateRoleProblem)
      await ctx.log({
        level: "warn",
        message: `could not make a state-only role (${this.stateRoleProblem}): the CLI uses the configured state URL`,
      });
    const work = await this.configDir(binary, spec, env, redactor, { ctx });
    const planFile = options.savedPlan ? `run-${randomBytes(6).toString("hex")}.tfplan` : null;
    try {
      if (planFile && options.savedPlan) {
        await writeFile(path.join(work.dir, planFile), options.savedPlan, { mode: 0o600 });
        await ctx.log({ level: "info", message: "Applying the approved plan as saved (no new plan)" });
      }
      const lock = `-lock-timeout=${this.options.lockTimeoutSeconds}s`;
      // A saved plan carries its values: no var file then.
      const args = planFile
        ? ["apply", "-auto-approve", "-input=false", "-json", lock, planFile]
        : ["apply", "-auto-approve", "-input=false", "-json", lock, `-var-file=${work.varFile}`];
      await this.step(binary, args, work.dir, { env, redactor, ctx, json: true });
      return await this.stateResult(binary, work.dir, spec, env, redactor, ctx);
    } finally {
      await work.cleanup();
      if (planFile) await rm(path.join(work.dir, planFile), { force: true });
    }
  }

  /**
   * A saved plan of the environment in its own workspace (what an approver approves and the
   * apply then runs as is): the plan file's bytes (it carries the values, secrets included: store
   * it encrypted), its `show -json` and its diff. Changes nothing but the lock while planning.
   */
  async planAll(ctx: EngineContext, spec: EnvironmentSpec): Promise<SavedPlan> {
    const { binary, env, redactor } = await this.beginRun(ctx);
    const work = await this.configDir(binary, spec, env, redactor, { ctx });
    const planFile = `saved-${randomBytes(6).toString("hex")}.tfplan`;
    try {
      await this.step(
        binary,
        ["plan", "-input=false", "-json", `-lock-timeout=${this.options.lockTimeoutSeconds}s`, `-out=${planFile}`, `-var-file=${work.varFile}`],
        work.dir,
        { env, redactor, ctx, json: true },
      );
      const show = await this.step(binary, ["show", "-json", "-no-color", planFile], work.dir, {
        env,
        redactor,
        ctx,
        timeoutMs: SHORT_TIMEOUT_MS,
        log: false,
        rawStdout: true,
      });
      const file = await readFile(path.join(work.dir, planFile));
      return { file, json: show.stdout, diff: planDiff(JSON.parse(show.stdout || "{}") as Parameters<typeof planDiff>[0]) };
    } finally {
      await work.cleanup();
      await rm(path.join(work.dir, planFile), { force: true });
    }
  }

  /** Resources and outputs from one `show -json` of the state (no separate `output`). */
  private async stateResult(
    binary: Binary,
    dir: string,
    spec: EnvironmentSpec,
    env: NodeJS.ProcessEnv,
    redactor: Redactor,
    ctx: EngineContext,
  ): Promise<EnvironmentResult> {
    const show = await this.step(binary, ["show", "-json", "-no-color"], dir, {
      env,
      redactor,
      ctx,
      timeoutMs: SHORT_TIMEOUT_MS,
      log: false,
      rawStdout: true,
    });
    const state = JSON.parse(show.stdout || "{}") as Parameters<typeof stateResources>[0] & {
      values?: { outputs?: Record<string, { sensitive?: boolean; value?: unknown }> };
    };
    const resources = this.recordedResources(spec, state);
    const { outputs, sensitiveOutputs } = this.outputs(spec, state.values?.outputs ?? {});
    redactor.add(...Object.values(sensitiveOutputs));
    await this.logSummary(ctx, spec, resources, outputs, sensitiveOutputs);
    return { resources, outputs, sensitiveOutputs };
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
    const { binary, env, redactor } = await this.beginRun(ctx);
    await ctx.log({ level: "info", message: `${binary.label}: destroying workspace ${workspaceOf(spec.environmentId)}` });
    const work = await this.configDir(binary, spec, env, redactor, { ctx });
    try {
      await this.step(
        binary,
        ["destroy", "-auto-approve", "-input=false", "-json", `-lock-timeout=${this.options.lockTimeoutSeconds}s`, `-var-file=${work.varFile}`],
        work.dir,
        { env, redactor, ctx, json: true },
      );
    } finally {
      await work.cleanup();
    }
    await ctx.log({
      level: "info",
      message: (await this.deleteWorkspace(spec.environmentId))
        ? `Workspace ${workspaceOf(spec.environmentId)} deleted: no state is left`
        : `Workspace ${workspaceOf(spec.environmentId)} kept: another run holds its lock or it still has resources`,
    });
  }

  /**
   * Deletes an environment's state row once it is empty, as `workspace delete` would (without two
   * more CLI runs): under the backend's own advisory lock on the row, so a run holding it wins.
   */
  private async deleteWorkspace(environmentId: string): Promise<boolean> {
    const client = await this.adminPool().connect();
    try {
      await client.query("begin");
      const { rows } = await client.query<{ id: string; data: string | null; locked: boolean }>(
        `select id, data, pg_try_advisory_xact_lock(id) as locked from ${this.schema}.states where name = $1 for update`,
        [workspaceOf(environmentId)],
      );
      const row = rows[0];
      if (!row) {
        await client.query("commit");
        return true;
      }
      const left = rawStateResources(JSON.parse(row.data || "{}") as Parameters<typeof rawStateResources>[0]);
      if (!row.locked || left.length) {
        await client.query("rollback");
        return false;
      }
      await client.query(`delete from ${this.schema}.states where id = $1`, [row.id]);
      await client.query("commit");
      return true;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw new EngineError("transient", `could not delete the Terraform workspace of environment ${environmentId}: ${(error as Error).message}`);
    } finally {
      client.release();
    }
  }

  /**
   * Drift: a plan of the applied configuration against the refreshed world (`plan
   * -detailed-exitcode`, without the lock so a check never delays a run; nothing is saved),
   * read with `show -json`. A plain refresh-only plan would miss a change that also moved the
   * state (an out-of-band `terraform apply`); this plan sees every difference from what the
   * portal wants. A failed read throws: transient for outages, throttling and timeouts.
   */
  async checkDrift(ctx: EngineContext, spec: EnvironmentSpec): Promise<DriftReport> {
    const { binary, env, redactor } = await this.beginRun(ctx);
    // Planning a workspace that does not exist would create it: a check never changes anything.
    const { rowCount } = await this.adminPool().query(`select 1 from ${this.schema}.states where name = $1`, [workspaceOf(spec.environmentId)]);
    if (!rowCount)
      throw new EngineError("permanent", `environment ${spec.environmentId} has no Terraform state: it was never applied, or its state was removed`, {
        code: "no_state",
      });
    const work = await this.configDir(binary, spec, env, redactor, { ctx });
    const planFile = `drift-${randomBytes(6).toString("hex")}.tfplan`;
    try {
      const diagnostics: string[] = [];
      const planned = await this.run(
        binary,
        ["plan", "-input=false", "-json", "-lock=false", "-detailed-exitcode", `-out=${planFile}`, `-var-file=${work.varFile}`],
        work.dir,
        {
          env,
          redactor,
          signal: ctx.signal,
          timeoutMs: PREVIEW_TIMEOUT_MS,
          onLine: (line) => {
            const event = uiLogEvent(line);
            if (event?.diagnostic && event.level === "error") diagnostics.push(event.message);
          },
        },
      );
      if (planned.code === 0) return { resources: [] };
      if (planned.code !== 2) {
        const error = await this.failure("plan", planned, diagnostics, { signal: ctx.signal });
        const text = [...diagnostics, planned.stderr].join("\n");
        if (error.kind === "permanent" && transientRead.test(text))
          throw new EngineError("transient", `the drift check could not read: ${error.message}`, { retryAfterMs: 60_000 });
        throw error;
      }
      const show = await this.step(binary, ["show", "-json", "-no-color", planFile], work.dir, {
        env,
        redactor,
        ctx,
        timeoutMs: SHORT_TIMEOUT_MS,
        log: false,
        rawStdout: true,
      });
      return { resources: driftFromPlan(JSON.parse(show.stdout || "{}") as Parameters<typeof driftFromPlan>[0]) };
    } finally {
      await work.cleanup();
      await rm(path.join(work.dir, planFile), { force: true });
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
      const redactor = this.redactor();
      const env = await this.cliEnv(false);
      // The configuration without a backend (a new environment has no state), initialised once.
      const work = await this.configDir(binary, spec, env, redactor, { signal, backend: false });
      const planFile = `preview-${randomBytes(6).toString("hex")}.tfplan`;
      try {
        const opts = { env, redactor, signal, timeoutMs: PREVIEW_TIMEOUT_MS };
        const warnings: string[] = [];
        const diagnostics: string[] = [];
        const planned = await this.run(
          binary,
          ["plan", `-out=${planFile}`, "-input=false", "-json", "-lock=false", `-var-file=${work.varFile}`],
          work.dir,
          {
            ...opts,
            onLine: (line) => {
              const event = uiLogEvent(line);
              if (event?.diagnostic) (event.level === "error" ? diagnostics : warnings).push(event.message);
            },
          },
        );
        if (planned.code !== 0) throw await this.failure("plan", planned, diagnostics, { signal });
        const show = await this.step(binary, ["show", "-json", "-no-color", planFile], work.dir, { ...opts, rawStdout: true });
        const plan = JSON.parse(show.stdout || "{}") as Parameters<typeof planChanges>[0] & {
          output_changes?: Record<string, { after_sensitive?: unknown }>;
          planned_values?: { outputs?: Record<string, { sensitive?: boolean }> };
        };
        const preview = this.pricePreview(key, spec, plan, binary, warnings, Date.now() - started);
        await this.ensureDir(path.dirname(cacheFile));
        await writeFile(cacheFile, JSON.stringify(preview), { mode: 0o600 });
        return preview;
      } finally {
        await work.cleanup();
        await rm(path.join(work.dir, planFile), { force: true });
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

/** Closes and forgets the shared engine: the next terraformEngine() is configured from the environment again (tests). */
export async function closeSharedTerraformEngine(): Promise<void> {
  const engine = shared;
  shared = undefined;
  await engine?.close();
}
