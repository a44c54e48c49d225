import { z } from "zod";

/**
 * Environment of the web and worker processes, validated once at start-up.
 * The launcher (scripts/stack.ts) always sets DATABASE_URL, so here it is required.
 */
const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const runtimeEnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// connection URL" }),
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
    /** Webhooks may target localhost over plain http; default: on in development and demo installs (read by server/services/webhook-targets.ts). */
    PROVISIO_WEBHOOK_ALLOW_LOCAL: booleanFlag.optional(),
    /** A superuser URL of the server the postgres engine creates databases and roles on; default: DATABASE_URL (the embedded server). */
    PROVISIO_POSTGRES_ENGINE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// connection URL" }).optional(),
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
    PROVISIO_TERRAFORM_STATE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// connection URL" }).optional(),
    /** The schema of the pg backend's state table: one workspace per environment in it. */
    PROVISIO_TERRAFORM_STATE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL identifier").default("provisio_terraform_state"),
    /** How long a run waits for an environment's state lock (-lock-timeout), in seconds. */
    PROVISIO_TERRAFORM_LOCK_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(120),
    /** A provider mirror directory (`terraform providers mirror <dir>`): providers are installed from it only, never downloaded. */
    PROVISIO_TERRAFORM_PROVIDER_MIRROR: z.string().min(1).optional(),
    /** Provider plugin cache shared by every working directory; default <work dir>/plugin-cache. */
    PROVISIO_TERRAFORM_PLUGIN_CACHE: z.string().min(1).optional(),
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
  })
  .superRefine((env, ctx) => {
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
  });

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema> & {
  /** Demo sign-in (pick a seeded user) is on: explicitly allowed, or a demo install without OIDC. */
  demoSignInEnabled: boolean;
  oidcEnabled: boolean;
  adminEmails: string[];
};

/** Formats zod issues as one line per variable: "NAME: message". */
export function describeEnvIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join(".") || "(environment)"}: ${i.message}`).join("\n");
}

export function parseRuntimeEnv(source: Record<string, string | undefined>): RuntimeEnv {
  const result = runtimeEnvSchema.safeParse(source);
  if (!result.success) {
    throw new Error(`Invalid environment:\n${describeEnvIssues(result.error)}`);
  }
  const env = result.data;
  const oidcEnabled = Boolean(env.OIDC_ISSUER);
  return {
    ...env,
    oidcEnabled,
    demoSignInEnabled: env.PROVISIO_DEMO_SIGNIN ?? (env.PROVISIO_DEMO && !oidcEnabled),
    adminEmails: env.PROVISIO_ADMIN_EMAILS.split(",").map((e) => e.trim().toLowerCase()).filter(Boolean),
  };
}

let cached: RuntimeEnv | undefined;

/** Parsed lazily so that `next build` can import modules without a database configured. */
export function env(): RuntimeEnv {
  cached ??= parseRuntimeEnv(process.env);
  return cached;
}
