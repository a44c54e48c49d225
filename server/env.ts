import { z } from "zod";

/**
 * The environment of the web and worker processes: the ONE place that reads `process.env`
 * (ESLint refuses it elsewhere in server/ and db/). Every variable has its rule and default
 * here, and the README's table explains them.
 *
 * Two ways in:
 * - `env()`: the whole environment, validated together once (cross-variable rules included)
 *   and kept for the life of the process. The web and worker processes call it at start-up, so
 *   a bad value stops them with one message naming each variable.
 * - `envVar(name)`: one variable, validated by the same rule, read when asked (memoized per raw
 *   value). For code that also runs where the rest is not set (tests, scripts) and for the few
 *   values tests change at runtime (PROVISIO_SIM_FAULTS, PROVISIO_RUN_STALE_MS in a child).
 *
 * The launcher (scripts/stack.ts) always sets DATABASE_URL, so here it is required.
 */
const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false (or 1/0, yes/no)" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// connection URL" });

/** A whole number of milliseconds between `min` and `max`. */
const milliseconds = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(min, `must be at least ${min} (milliseconds)`)
    .max(max, `must be at most ${max} (milliseconds)`);

/** An empty value counts as unset (a launcher or a shell often exports `NAME=`). */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema);

const variables = {
  /** Unset counts as production where it matters (webhook targets on localhost). */
  NODE_ENV: z.enum(["development", "production", "test"], { error: "must be development, production or test" }).optional(),
  /** Set by the test runner (vitest): the secret box then works without NEXTAUTH_SECRET. */
  VITEST: z.string().optional(),
  DATABASE_URL: postgresUrl,
  NEXTAUTH_URL: z.url().optional(),
  NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters"),
  PROVISIO_DEMO: booleanFlag.default(false),
  PROVISIO_DEMO_SIGNIN: booleanFlag.optional(),
  PROVISIO_ADMIN_EMAILS: z.string().default(""),
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().min(1).default("Single sign-on"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Slots each worker keeps for runs taken over from a dead or stopping worker, on top of WORKER_CONCURRENCY (the provisioning backlog cannot take them). */
  PROVISIO_RECOVERY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(2),
  /** Webhooks may target localhost over plain http; default: on in development and demo installs (read by server/services/webhook-targets.ts). */
  PROVISIO_WEBHOOK_ALLOW_LOCAL: booleanFlag.optional(),
  /** A superuser URL of the server the postgres engine creates databases and roles on; default: DATABASE_URL (the embedded server). */
  PROVISIO_POSTGRES_ENGINE_URL: postgresUrl.optional(),
  /** The orphan sweep (every 15 minutes): report simulator resources with our tags but no record, remove them, or off. */
  PROVISIO_ORPHAN_SWEEP: z.enum(["report", "remove", "off"], { error: "must be report, remove or off" }).default("report"),
  /** Resources younger than this are never called orphans (an apply may be recording them). */
  PROVISIO_ORPHAN_GRACE_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** Where the embedded PostgreSQL and other local state live (the launcher's folder); the terraform engine's working directories default to <it>/terraform. */
  PROVISIO_DATA_DIR: z.string().min(1).default(".data"),
  /** The terraform engine's CLI: a path or a name on PATH; default: `tofu`, else `terraform`, on PATH. */
  PROVISIO_TERRAFORM_BIN: z.string().min(1).optional(),
  /** One working directory per environment under this folder (kept out of the repository); default <PROVISIO_DATA_DIR>/terraform. */
  PROVISIO_TERRAFORM_WORK_DIR: z.string().min(1).optional(),
  /** The database that keeps Terraform state (pg backend); default: DATABASE_URL. */
  PROVISIO_TERRAFORM_STATE_URL: postgresUrl.optional(),
  /** The schema of the pg backend's state table: one workspace per environment in it. */
  PROVISIO_TERRAFORM_STATE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL identifier")
    .default("provisio_terraform_state"),
  /** How long a run waits for an environment's state lock (-lock-timeout), in seconds. */
  PROVISIO_TERRAFORM_LOCK_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(120),
  /** A provider mirror directory (`terraform providers mirror <dir>`): providers are installed from it only, never downloaded. */
  PROVISIO_TERRAFORM_PROVIDER_MIRROR: z.string().min(1).optional(),
  /** Provider plugin cache shared by every working directory; default <work dir>/plugin-cache. */
  PROVISIO_TERRAFORM_PLUGIN_CACHE: z.string().min(1).optional(),
  /** The operator's own Terraform CLI configuration, used as is when the file exists. */
  TF_CLI_CONFIG_FILE: unsetIfEmpty(z.string().optional()),
  /** Where executables are looked up (the terraform engine finds its CLI there). */
  PATH: z.string().optional(),
  /** JSON configuration layer of the IaaS simulator; its fields are checked by server/engines/sim/cloud/config.ts. */
  PROVISIO_SIM_FAULTS: unsetIfEmpty(
    z
      .string()
      .refine((raw) => {
        try {
          const parsed: unknown = JSON.parse(raw);
          return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
        } catch {
          return false;
        }
      }, "must be a JSON object (see the README's Provisioning section)")
      .optional(),
  ),
  /** The simulator account resources are made in; default provisio-demo (server/engines/sim). */
  PROVISIO_SIM_ACCOUNT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and '-', at most 63 characters")
    .optional(),
  /** A run whose worker has not heartbeated for this long is resumed by another worker (milliseconds). */
  PROVISIO_RUN_STALE_MS: milliseconds(100, 86_400_000).default(30_000),
  /** How often a running run's worker heartbeats (milliseconds); shorter than PROVISIO_RUN_STALE_MS. */
  PROVISIO_RUN_HEARTBEAT_MS: milliseconds(50, 3_600_000).default(5_000),
  /** How long a worker told to stop (SIGTERM) may take to hand its runs back before it exits anyway (milliseconds). */
  PROVISIO_SHUTDOWN_GRACE_MS: milliseconds(100, 3_600_000).default(60_000),
  /** Which process this is, named in every log line (the launcher sets web or worker). */
  PROVISIO_PROCESS: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "a short lowercase name such as web or worker")
    .default("web"),
  /** REST API (/api/v1) rate limits: calls per minute per token and per user, and the burst a bucket holds. */
  PROVISIO_API_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  PROVISIO_API_BURST: z.coerce.number().int().min(1).max(1_000_000).default(120),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Failed sign-ins allowed per email per minute (and 4× that per client address); more are refused for the rest of the minute. */
  PROVISIO_SIGNIN_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Sign-in attempts allowed per client address per minute, failed or not. */
  PROVISIO_SIGNIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /**
   * Bearer token that GET /api/metrics requires; unset = metrics disabled (closed by default).
   * `npm start` generates one for demo installs (kept in the data folder).
   */
  PROVISIO_METRICS_TOKEN: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .string()
      .min(24, "must be at least 24 characters (e.g. openssl rand -base64 32)")
      .max(512, "at most 512 characters")
      .regex(/^[\x21-\x7e]+$/, "printable characters without spaces (it goes in an Authorization header)")
      .optional(),
  ),
};

export type EnvVarName = keyof typeof variables;
type EnvValue<K extends EnvVarName> = z.output<(typeof variables)[K]>;

export const runtimeEnvSchema = z.object(variables).superRefine((env, ctx) => {
  const oidcParts = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    for (const key of ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required when any OIDC_* variable is set" });
    }
  }
  if (!env.OIDC_ISSUER && !env.PROVISIO_DEMO && !env.PROVISIO_DEMO_SIGNIN) {
    ctx.addIssue({
      code: "custom",
      path: ["OIDC_ISSUER"],
      message: "no sign-in method: configure OIDC_ISSUER/OIDC_CLIENT_ID/OIDC_CLIENT_SECRET, or set PROVISIO_DEMO=true for a demo install",
    });
  }
  // Only once both are valid on their own (zod still runs this after a field failed).
  const stale = variables.PROVISIO_RUN_STALE_MS.safeParse(env.PROVISIO_RUN_STALE_MS);
  const heartbeat = variables.PROVISIO_RUN_HEARTBEAT_MS.safeParse(env.PROVISIO_RUN_HEARTBEAT_MS);
  if (stale.success && heartbeat.success && heartbeat.data >= stale.data) {
    ctx.addIssue({
      code: "custom",
      path: ["PROVISIO_RUN_HEARTBEAT_MS"],
      message: `must be shorter than PROVISIO_RUN_STALE_MS (${env.PROVISIO_RUN_STALE_MS})`,
    });
  }
});

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema> & {
  /** Demo sign-in (pick a seeded user) is on: explicitly allowed, or a demo install without OIDC. */
  demoSignInEnabled: boolean;
  oidcEnabled: boolean;
  adminEmails: string[];
};

/** Formats zod issues as one line per variable: "NAME: message" ("NAME: is not set" for a required one left out, when `source` is given). */
export function describeEnvIssues(error: z.ZodError, source?: Record<string, string | undefined>): string {
  return error.issues
    .map((i) => {
      const name = i.path.join(".");
      const unset = source !== undefined && i.code !== "custom" && (source[name] === undefined || source[name] === "");
      return `  ${name || "(environment)"}: ${unset ? "is not set" : i.message}`;
    })
    .join("\n");
}

export function parseRuntimeEnv(source: Record<string, string | undefined>): RuntimeEnv {
  const result = runtimeEnvSchema.safeParse(source);
  if (!result.success) {
    throw new Error(`Invalid environment:\n${describeEnvIssues(result.error, source)}`);
  }
  const env = result.data;
  const oidcEnabled = Boolean(env.OIDC_ISSUER);
  return {
    ...env,
    oidcEnabled,
    demoSignInEnabled: env.PROVISIO_DEMO_SIGNIN ?? (env.PROVISIO_DEMO && !oidcEnabled),
    adminEmails: env.PROVISIO_ADMIN_EMAILS.split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  };
}

let cached: RuntimeEnv | undefined;

/** Parsed lazily (so that `next build` can import modules without a database configured), then kept. */
export function env(): RuntimeEnv {
  cached ??= parseRuntimeEnv(process.env);
  return cached;
}

/** Tests: forget the parsed environment, so the next env() reads process.env again (vitest runs many test files in one process). */
export function forgetEnv(): void {
  cached = undefined;
}

type Source = Record<string, string | undefined>;
const memo = new Map<EnvVarName, { raw: string | undefined; value: unknown }>();

function readVariable<K extends EnvVarName>(name: K, source: Source): EnvValue<K> {
  const raw = source[name];
  const result = variables[name].safeParse(raw);
  if (!result.success) {
    const message = raw === undefined || raw === "" ? "is not set" : (result.error.issues[0]?.message ?? "is invalid");
    throw new Error(`Invalid environment:\n  ${name}: ${message}`);
  }
  return result.data as EnvValue<K>;
}

/**
 * One variable, validated by its rule in this file (default applied); a bad or missing required
 * value throws an error naming it. Reads `process.env` each call but parses once per raw value,
 * so it is cheap on hot paths and still sees a value a test sets at runtime. `source` is for tests.
 */
export function envVar<K extends EnvVarName>(name: K, source?: Source): EnvValue<K> {
  if (source) return readVariable(name, source);
  const raw = process.env[name];
  const hit = memo.get(name);
  if (hit && hit.raw === raw) return hit.value as EnvValue<K>;
  const value = readVariable(name, process.env);
  memo.set(name, { raw, value });
  return value;
}

/** Whether a variable has a (non-empty) value at all, for the rare caller with a fallback of its own. */
export function envVarIsSet(name: EnvVarName): boolean {
  const raw = process.env[name];
  return raw !== undefined && raw !== "";
}

/** Running under the test runner: a few defaults (a throwaway secret key) are for tests only. */
export function isTestRun(): boolean {
  return envVar("NODE_ENV") === "test" || envVarIsSet("VITEST");
}

/**
 * What a child process inherits (the terraform CLI needs PATH, HOME, proxies…): a copy of this
 * process's environment. The caller removes what the child must not see (server/engines/terraform/cli.ts).
 */
export function inheritedEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env };
}
