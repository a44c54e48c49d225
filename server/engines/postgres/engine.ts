/**
 * The `postgres` engine: real login roles and databases on a PostgreSQL server, by default the one
 * Provisio itself runs on (the embedded one in a local install): `PROVISIO_POSTGRES_ENGINE_URL`,
 * else `DATABASE_URL`. Its role must be a superuser (the embedded server's is): it creates roles
 * and databases owned by them, reads pg_authid to check known passwords, and creates extensions
 * inside databases that PUBLIC may not connect to. A lesser role fails with permanent permission
 * errors (the tests use one to force such an error).
 *
 * Naming. Names are global on a server, so every role and database gets its template name plus a
 * stable suffix from the environment id (`orders_dev` → `orders_dev_3f9c2a`, see naming.ts). The
 * `name` attribute is that real name; references to it (a database's `owner`) carry it as is.
 *
 * Ownership and adoption. Every object carries `COMMENT ON ROLE/DATABASE` with JSON:
 * `{ provisio: 1, environmentId, idempotencyKey, address, type, properties, tags }`. `read()`
 * finds an environment's objects by that comment (`shobj_description` on pg_roles/pg_database),
 * and an apply first looks for the object carrying its idempotency key and adopts it (updating
 * what differs, renaming it when the name changed) instead of creating another. The engine never
 * touches an object whose comment names another environment; an existing name that is not ours
 * is a permanent error. A role and its comment are created in one transaction. CREATE DATABASE
 * cannot run in a transaction, so a crash between it and its comment leaves a database without
 * comment: one that carries this environment's suffix and is owned by one of this environment's
 * roles is ours (nobody else can create it: the roles have no CREATEDB) and is adopted by the next
 * apply, or dropped by the destroy of its owning role. The comment is readable by every user of
 * the server: it holds tags, never a secret.
 *
 * Passwords. A role gets a generated password (24 random bytes, base64url) sent to the server only
 * as a SCRAM-SHA-256 verifier (scram.ts), so no statement, server log or error carries it. A
 * password cannot be read back: when an apply adopts a role (a retried or resumed run) and the
 * caller does not pass the password it knows in `existing.sensitive.password`, the password is
 * ROTATED (ALTER ROLE … PASSWORD) and the new one returned; a known password is kept when it still
 * matches the server's verifier (or when the verifier cannot be read), and rotated otherwise.
 *
 * How the database gets its owner's password (the runner's part). The database's
 * `connection_string` needs the owning role's password, which only the role's `sensitive`
 * attributes hold. The runner passes it in the database's desired properties as
 * `owner_password`, at call time only: `engine.withSecretInputs(desired, applied)` returns a copy
 * of `desired` with `owner_password` taken from the applied role whose `name` attribute equals
 * `properties.owner`. It must never be stored with the resource's properties or logged; `plan()`
 * ignores it and it is never part of the returned properties. When it is absent the engine falls
 * back to the password inside `existing.sensitive.connection_string` (same owner), and otherwise
 * fails permanently before any SQL. After a role is rotated, its databases must be applied again
 * with the new password to get a working connection string. In the runner:
 *
 *   const input = "withSecretInputs" in engine ? (engine as PostgresEngine).withSecretInputs(desired, actual) : desired;
 *   await engine.apply(ctx, input, existing); // store desired.properties, never input's
 *
 * (named generically so it can become an optional Engine hook for any engine that needs secrets).
 *
 * Databases: `CREATE DATABASE … OWNER … CONNECTION LIMIT` (by size class: micro 25, small 50,
 * medium 100), `REVOKE ALL … FROM PUBLIC` (no other role on the server may connect), `GRANT ALL …
 * TO` the owner, `ALTER DATABASE … SET statement_timeout`, then the allowed extensions (the
 * allowlist of resource-types.ts), created as the admin in the new database; extensions dropped
 * from the template are dropped (RESTRICT: refused while objects use them). `storage_gb` is
 * priced, not enforced (PostgreSQL has no per-database quota). A `read_only` role gets
 * `default_transaction_read_only = on`: a guard against mistakes, not a security boundary.
 *
 * Destroy terminates the database's sessions and drops it (WITH (FORCE) on PostgreSQL 13+), or
 * drops the role; what is gone already, or belongs to someone else, is left alone: both succeed.
 *
 * Errors are EngineErrors (errors.ts): transient for an unreachable or busy server, lock timeouts
 * and lost races; permanent for invalid names, missing rights and conflicts. Names are validated
 * against the resource schema before any SQL; identifiers are quoted with escapeIdentifier and
 * literals with escapeLiteral, never concatenated raw; messages and log events never carry a
 * password or a connection string.
 */
import pg from "pg";
import { z } from "zod";
import { env as runtimeEnv, type RuntimeEnv } from "~/server/env";
import {
  EngineError,
  planByAddress,
  type ActualResource,
  type DesiredResource,
  type Engine,
  type EngineContext,
  type PlannedChange,
} from "../engine";
import { isReference } from "../properties";
import { errorCode, toEngineError } from "./errors";
import { hasEnvironmentSuffix, physicalName, physicalNamePattern } from "./naming";
import { allowedExtensions, postgresResourceTypes } from "./resource-types";
import { generatePassword, matchesVerifier, scramVerifier } from "./scram";

/** The desired-properties key the runner uses to pass a database's owner password (never stored). */
export const OWNER_PASSWORD_PROPERTY = "owner_password";

/** CONNECTION LIMIT of a database by size class: how much of the server it may use. */
export const databaseConnectionLimits = { micro: 25, small: 50, medium: 100 } as const;

export type PostgresEngineOptions = {
  /** A superuser's URL on the server that gets the roles and databases. */
  adminUrl: string;
  /** Host and port put into connection strings (default: those of adminUrl). */
  publicHost?: string;
  publicPort?: number;
  /** `sslmode` of connection strings (default: adminUrl's sslmode, else `disable`). */
  sslMode?: string;
  /** Admin sessions give up waiting for a lock after this long (default 10 s): a transient error. */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** Admin connections kept by this engine (default 4). */
  maxConnections?: number;
  /** For tests: how passwords are generated (default: 24 random bytes, base64url). */
  generatePassword?: () => string;
};

export type PostgresEngine = Engine & {
  /**
   * For the runner, right before `apply`: a copy of a database's `desired` with `owner_password`
   * from the applied role it is owned by (by the role's `name` attribute). Others pass through.
   */
  withSecretInputs(desired: DesiredResource, applied: ReadonlyMap<string, ActualResource> | readonly ActualResource[]): DesiredResource;
  /** Closes the admin connections (worker shutdown, tests). */
  close(): Promise<void>;
};

type RoleProperties = { name: string; login: boolean; connection_limit: number; read_only: boolean };
type DatabaseProperties = {
  region: "local";
  name: string;
  owner: string;
  size_class: keyof typeof databaseConnectionLimits;
  storage_gb: number;
  extensions: (typeof allowedExtensions)[number][];
  statement_timeout_seconds: number;
};

const metaSchema = z.object({
  provisio: z.literal(1),
  environmentId: z.string(),
  idempotencyKey: z.string(),
  address: z.string(),
  type: z.enum(["role", "database"]),
  properties: z.record(z.string(), z.unknown()),
  tags: z.record(z.string(), z.string()),
});
type Meta = z.infer<typeof metaSchema>;

function parseMeta(comment: string | null | undefined): Meta | null {
  if (!comment || !comment.startsWith("{")) return null;
  try {
    const parsed = metaSchema.safeParse(JSON.parse(comment));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

type RoleRow = {
  name: string;
  login: boolean;
  connection_limit: number;
  config: string[] | null;
  comment: string | null;
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  replication: boolean;
  bypassrls: boolean;
};
type DatabaseRow = { name: string; owner: string; connection_limit: number; config: string[] | null; comment: string | null };

const roleColumns = `r.rolname as name, r.rolcanlogin as login, r.rolconnlimit as connection_limit, r.rolconfig as config,
  shobj_description(r.oid, 'pg_authid') as comment, r.rolsuper as superuser, r.rolcreatedb as createdb,
  r.rolcreaterole as createrole, r.rolreplication as replication, r.rolbypassrls as bypassrls`;
const databaseColumns = `d.datname as name, pg_get_userbyid(d.datdba) as owner, d.datconnlimit as connection_limit,
  (select s.setconfig from pg_db_role_setting s where s.setdatabase = d.oid and s.setrole = 0) as config,
  shobj_description(d.oid, 'pg_database') as comment`;

const ident = (name: string) => pg.escapeIdentifier(name);
const literal = (value: string) => pg.escapeLiteral(value);

const permanent = (message: string, address?: string) => new EngineError("permanent", message, { address });

function checkAbort(signal: AbortSignal, address?: string) {
  if (signal.aborted) throw new EngineError("transient", "stopped: the worker is shutting down", { address });
}

/** `statement_timeout=60s` (or 1min, 60000, 2h…) from a setconfig array, in whole seconds. */
export function statementTimeoutSeconds(config: readonly string[] | null | undefined): number | null {
  const entry = config?.find((c) => c.startsWith("statement_timeout="));
  const m = entry ? /^statement_timeout=(\d+)\s*(ms|s|min|h|d)?$/.exec(entry) : null;
  if (!m) return null;
  const factor = { ms: 0.001, s: 1, min: 60, h: 3600, d: 86_400 }[(m[2] ?? "ms") as "ms"];
  return Math.round(Number(m[1]) * factor);
}

const isReadOnly = (config: readonly string[] | null | undefined) =>
  Boolean(config?.some((c) => /^default_transaction_read_only=(on|true|yes|1)$/i.test(c)));

/** The recorded template name when it still maps to the real one, else the real one (drift shows). */
function reportedName(recorded: unknown, actual: string, environmentId: string): string {
  return typeof recorded === "string" && physicalName(recorded, environmentId) === actual ? recorded : actual;
}

function passwordFromConnectionString(connectionString: string | undefined, user: string): string | undefined {
  if (!connectionString) return undefined;
  try {
    const url = new URL(connectionString);
    return decodeURIComponent(url.username) === user && url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    return undefined;
  }
}

/** Validates a resource's properties against its schema before any SQL; names the failing field. */
function validate<T>(desired: DesiredResource, properties: Record<string, unknown>): T {
  const definition = postgresResourceTypes[desired.type];
  if (!definition) throw permanent(`${desired.address}: the postgres engine has no resource type "${desired.type}"`, desired.address);
  for (const [key, value] of Object.entries(properties)) {
    if (isReference(value)) throw permanent(`${desired.address}: ${key} is an unresolved reference`, desired.address);
  }
  const parsed = definition.properties.safeParse(properties);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "properties"}: ${i.message}`).join("; ");
    throw permanent(`${desired.address}: invalid ${desired.type}: ${issues}`, desired.address);
  }
  return parsed.data as T;
}

function splitOwnerPassword(properties: Record<string, unknown>): { rest: Record<string, unknown>; ownerPassword: unknown } {
  const { [OWNER_PASSWORD_PROPERTY]: ownerPassword, ...rest } = properties;
  return { rest, ownerPassword };
}

class PostgresEngineImpl implements PostgresEngine {
  readonly name = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly adminUrl: string;
  private readonly host: string;
  private readonly port: number;
  private readonly sslMode: string;
  private readonly sessionOptions: string;
  private readonly newPassword: () => string;
  private serverVersion: number | null = null;

  constructor(options: PostgresEngineOptions) {
    const url = new URL(options.adminUrl);
    this.adminUrl = options.adminUrl;
    this.host = options.publicHost ?? (url.hostname || "localhost");
    this.port = options.publicPort ?? (url.port ? Number(url.port) : 5432);
    this.sslMode = options.sslMode ?? url.searchParams.get("sslmode") ?? "disable";
    this.sessionOptions = `-c lock_timeout=${options.lockTimeoutMs ?? 10_000} -c statement_timeout=${options.statementTimeoutMs ?? 120_000}`;
    this.newPassword = options.generatePassword ?? generatePassword;
    this.pool = new pg.Pool({
      connectionString: options.adminUrl,
      max: options.maxConnections ?? 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      application_name: "provisio-postgres-engine",
      options: this.sessionOptions,
    });
    // A lost idle connection (server restart) is replaced on next use; unhandled it would crash the worker.
    this.pool.on("error", () => undefined);
    this.pool.on("connect", (client) => client.on("error", () => undefined));
  }

  plan(desired: readonly DesiredResource[], existing: readonly ActualResource[]): PlannedChange[] {
    // Compare what the template asks for: without the owner's password, with schema defaults.
    const normalized = desired.map((d) => {
      const { rest } = splitOwnerPassword(d.properties);
      const parsed = postgresResourceTypes[d.type]?.properties.safeParse(rest);
      return { ...d, properties: parsed?.success ? parsed.data : rest };
    });
    const originals = new Map(desired.map((d) => [d.address, d]));
    return planByAddress(normalized, existing).map((c) => (c.desired ? { ...c, desired: originals.get(c.address) ?? c.desired } : c));
  }

  withSecretInputs(desired: DesiredResource, applied: ReadonlyMap<string, ActualResource> | readonly ActualResource[]): DesiredResource {
    if (desired.type !== "database" || typeof desired.properties.owner !== "string") return desired;
    const owner = desired.properties.owner;
    const environmentId = desired.idempotencyKey.split("/")[0] ?? "";
    const resources: readonly ActualResource[] =
      applied instanceof Map ? [...(applied as ReadonlyMap<string, ActualResource>).values()] : (applied as readonly ActualResource[]);
    const role = resources.find(
      (r) => r.type === "role" && (r.attributes.name === owner || r.providerId === owner || r.attributes.name === physicalName(owner, environmentId)),
    );
    const password = role?.sensitive.password;
    return password ? { ...desired, properties: { ...desired.properties, [OWNER_PASSWORD_PROPERTY]: password } } : desired;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async apply(ctx: EngineContext, desired: DesiredResource, existing: ActualResource | null): Promise<ActualResource> {
    checkAbort(ctx.signal, desired.address);
    if (desired.type === "role") return this.applyRole(ctx, desired, existing);
    if (desired.type === "database") return this.applyDatabase(ctx, desired, existing);
    throw permanent(`${desired.address}: the postgres engine has no resource type "${desired.type}"`, desired.address);
  }

  async destroy(ctx: EngineContext, resource: ActualResource): Promise<void> {
    checkAbort(ctx.signal, resource.address);
    if (resource.type === "role") return this.destroyRole(ctx, resource);
    if (resource.type === "database") return this.destroyDatabase(ctx, resource);
    throw permanent(`${resource.address}: the postgres engine has no resource type "${resource.type}"`, resource.address);
  }

  async read(ctx: Pick<EngineContext, "environmentId" | "signal">): Promise<ActualResource[]> {
    const environmentId = ctx.environmentId;
    try {
      checkAbort(ctx.signal);
      const { roles, databases } = await this.withAdmin(async (client) => ({
        roles: (
          await client.query<RoleRow>(
            `select ${roleColumns} from pg_roles r where strpos(coalesce(shobj_description(r.oid, 'pg_authid'), ''), $1) > 0`,
            [environmentId],
          )
        ).rows,
        databases: (
          await client.query<DatabaseRow>(
            `select ${databaseColumns} from pg_database d where strpos(coalesce(shobj_description(d.oid, 'pg_database'), ''), $1) > 0`,
            [environmentId],
          )
        ).rows,
      }));
      const result: ActualResource[] = [];
      for (const row of roles) {
        const meta = parseMeta(row.comment);
        if (!meta || meta.environmentId !== environmentId || meta.type !== "role") continue;
        result.push({
          address: meta.address,
          type: "role",
          providerId: row.name,
          properties: {
            name: reportedName(meta.properties.name, row.name, environmentId),
            login: row.login,
            connection_limit: row.connection_limit,
            read_only: isReadOnly(row.config),
          },
          attributes: { name: row.name },
          sensitive: {},
          tags: meta.tags,
          idempotencyKey: meta.idempotencyKey,
          status: "ready",
        });
      }
      for (const row of databases) {
        const meta = parseMeta(row.comment);
        if (!meta || meta.environmentId !== environmentId || meta.type !== "database") continue;
        checkAbort(ctx.signal);
        const invalid = row.connection_limit === -2; // an interrupted DROP DATABASE: it can only be dropped
        let present: string[] = [];
        try {
          if (!invalid) present = await this.extensionsIn(row.name);
        } catch (error) {
          if (errorCode(error) === "3D000") continue; // dropped while we were reading
          throw error;
        }
        const recorded = Array.isArray(meta.properties.extensions)
          ? meta.properties.extensions.filter((e): e is string => typeof e === "string")
          : [];
        result.push({
          address: meta.address,
          type: "database",
          providerId: row.name,
          properties: {
            region: "local",
            name: reportedName(meta.properties.name, row.name, environmentId),
            owner: reportedName(meta.properties.owner, row.owner, environmentId),
            size_class: meta.properties.size_class,
            storage_gb: meta.properties.storage_gb,
            extensions: recorded.filter((e) => present.includes(e)),
            statement_timeout_seconds: statementTimeoutSeconds(row.config),
          },
          attributes: { name: row.name, host: this.host, port: this.port },
          sensitive: {},
          tags: meta.tags,
          idempotencyKey: meta.idempotencyKey,
          status: invalid ? "failed" : "ready",
        });
      }
      return result;
    } catch (error) {
      throw toEngineError(error, `read the postgres resources of environment ${environmentId}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Roles

  private async applyRole(ctx: EngineContext, desired: DesiredResource, existing: ActualResource | null): Promise<ActualResource> {
    const address = desired.address;
    const props = validate<RoleProperties>(desired, desired.properties);
    const name = physicalName(props.name, ctx.environmentId);
    if (!physicalNamePattern.test(name)) throw permanent(`${address}: name: "${name}" is not a valid role name`, address);
    if (name.startsWith("pg_")) throw permanent(`${address}: name: must not start with "pg_" (reserved by PostgreSQL)`, address);
    const known = existing?.sensitive.password;
    let password: string | undefined;
    try {
      return await this.withAdmin(async (client) => {
        for (let attempt = 1; ; attempt++) {
          checkAbort(ctx.signal, address);
          const current = await this.findRole(client, ctx.environmentId, desired, name);
          if (!current) {
            const generated = this.newPassword();
            password = generated;
            const meta = this.meta(ctx.environmentId, desired, props);
            try {
              await this.transaction(client, async () => {
                await client.query(
                  `create role ${ident(name)} with ${props.login ? "login" : "nologin"} nosuperuser nocreatedb nocreaterole noreplication nobypassrls inherit ` +
                    `connection limit ${Math.trunc(props.connection_limit)} password ${literal(scramVerifier(generated))}`,
                );
                await client.query(`comment on role ${ident(name)} is ${literal(JSON.stringify(meta))}`);
                if (props.read_only) await client.query(`alter role ${ident(name)} set default_transaction_read_only = on`);
              });
            } catch (error) {
              // Another worker created it between our look-up and CREATE: look again and adopt it.
              if (errorCode(error) === "42710" && attempt === 1) continue;
              throw error;
            }
            await ctx.log({
              level: "info",
              message: `Created role "${name}" (${props.login ? "login" : "no login"}, ${props.connection_limit} connections)`,
              address,
            });
            return this.roleResult(desired, props, name, generated);
          }

          if (current.name !== name) {
            if (await this.roleByName(client, name))
              throw permanent(`${address}: cannot rename role "${current.name}" to "${name}": that name is taken`, address);
            await client.query(`alter role ${ident(current.name)} rename to ${ident(name)}`);
            await ctx.log({ level: "info", message: `Renamed role "${current.name}" to "${name}"`, address });
          }
          let keep = false;
          if (known) {
            const verifier = await this.storedVerifier(client, name);
            keep = verifier === undefined ? true : matchesVerifier(known, verifier);
          }
          const next = keep && known ? known : this.newPassword();
          password = next;
          const drifted = current.superuser || current.createdb || current.createrole || current.replication || current.bypassrls;
          await this.transaction(client, async () => {
            await client.query(
              `alter role ${ident(name)} with ${props.login ? "login" : "nologin"} connection limit ${Math.trunc(props.connection_limit)}` +
                (drifted ? " nosuperuser nocreatedb nocreaterole noreplication nobypassrls" : "") +
                (keep ? "" : ` password ${literal(scramVerifier(next))}`),
            );
            await client.query(`comment on role ${ident(name)} is ${literal(JSON.stringify(this.meta(ctx.environmentId, desired, props)))}`);
            await client.query(
              props.read_only
                ? `alter role ${ident(name)} set default_transaction_read_only = on`
                : `alter role ${ident(name)} reset default_transaction_read_only`,
            );
          });
          await ctx.log({
            level: keep ? "info" : "warn",
            message: keep
              ? `Role "${name}" exists: updated, password kept`
              : `Role "${name}" already existed (a retried or resumed run): adopted, and its password rotated because it cannot be read back`,
            address,
          });
          return this.roleResult(desired, props, name, next);
        }
      });
    } catch (error) {
      throw toEngineError(error, `apply role "${name}"`, { address, secrets: [password, known] });
    }
  }

  private roleResult(desired: DesiredResource, props: RoleProperties, name: string, password: string): ActualResource {
    return {
      address: desired.address,
      type: "role",
      providerId: name,
      properties: { ...props },
      attributes: { name },
      sensitive: { password },
      tags: { ...desired.tags },
      idempotencyKey: desired.idempotencyKey,
      status: "ready",
    };
  }

  /** The role carrying this idempotency key; a conflict when the name is someone else's. */
  private async findRole(client: pg.ClientBase, environmentId: string, desired: DesiredResource, name: string): Promise<RoleRow | null> {
    const mentioning = await client.query<RoleRow>(
      `select ${roleColumns} from pg_roles r where strpos(coalesce(shobj_description(r.oid, 'pg_authid'), ''), $1) > 0`,
      [desired.idempotencyKey],
    );
    const mine = mentioning.rows.filter((r) => {
      const meta = parseMeta(r.comment);
      return meta?.environmentId === environmentId && meta.idempotencyKey === desired.idempotencyKey && meta.type === "role";
    });
    if (mine.length > 1)
      throw permanent(
        `${desired.address}: several roles carry idempotency key ${desired.idempotencyKey}: ${mine.map((r) => r.name).join(", ")}`,
        desired.address,
      );
    if (mine[0]) return mine[0];
    const byName = await this.roleByName(client, name);
    if (!byName) return null;
    const meta = parseMeta(byName.comment);
    if (meta?.environmentId === environmentId)
      throw permanent(`${desired.address}: role "${name}" is already used by ${meta.address} of this environment`, desired.address);
    throw permanent(
      `${desired.address}: role "${name}" already exists on the server and is not managed by this environment: choose another name`,
      desired.address,
    );
  }

  private async roleByName(client: pg.ClientBase, name: string): Promise<RoleRow | null> {
    return (await client.query<RoleRow>(`select ${roleColumns} from pg_roles r where r.rolname = $1`, [name])).rows[0] ?? null;
  }

  /** The stored SCRAM verifier; undefined when this admin may not read pg_authid (not a superuser). */
  private async storedVerifier(client: pg.ClientBase, name: string): Promise<string | null | undefined> {
    try {
      const result = await client.query<{ rolpassword: string | null }>("select rolpassword from pg_authid where rolname = $1", [name]);
      return result.rows[0]?.rolpassword ?? null;
    } catch (error) {
      if (errorCode(error) === "42501") return undefined;
      throw error;
    }
  }

  private async destroyRole(ctx: EngineContext, resource: ActualResource): Promise<void> {
    const address = resource.address;
    try {
      await this.withAdmin(async (client) => {
        const row = await this.locate(client, "role", ctx.environmentId, resource);
        if (!row) {
          await ctx.log({ level: "info", message: `Role "${resource.providerId}" is already gone`, address });
          return;
        }
        const meta = parseMeta(row.comment);
        if (meta?.environmentId !== ctx.environmentId) {
          await ctx.log({ level: "warn", message: `Role "${row.name}" exists but is not this environment's: left alone`, address });
          return;
        }
        // Databases of an interrupted create (no comment yet) owned by this role are ours: drop them first.
        const leftovers = await client.query<{ name: string }>(
          `select d.datname as name from pg_database d join pg_roles r on r.oid = d.datdba where r.rolname = $1 and shobj_description(d.oid, 'pg_database') is null`,
          [row.name],
        );
        for (const db of leftovers.rows) {
          if (!hasEnvironmentSuffix(db.name, ctx.environmentId)) continue;
          checkAbort(ctx.signal, address);
          await this.dropDatabase(client, db.name);
          await ctx.log({ level: "warn", message: `Dropped database "${db.name}" left by an interrupted create`, address });
        }
        checkAbort(ctx.signal, address);
        try {
          await client.query(`drop role if exists ${ident(row.name)}`);
        } catch (error) {
          if (errorCode(error) === "2BP01") {
            throw permanent(
              `${address}: role "${row.name}" still owns databases or objects, or holds privileges: destroy its databases first`,
              address,
            );
          }
          throw error;
        }
        await ctx.log({ level: "info", message: `Dropped role "${row.name}"`, address });
      });
    } catch (error) {
      throw toEngineError(error, `destroy role "${resource.providerId}"`, { address, secrets: [resource.sensitive.password] });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Databases

  private async applyDatabase(ctx: EngineContext, desired: DesiredResource, existing: ActualResource | null): Promise<ActualResource> {
    const address = desired.address;
    const environmentId = ctx.environmentId;
    const { rest, ownerPassword } = splitOwnerPassword(desired.properties);
    if (ownerPassword !== undefined && (typeof ownerPassword !== "string" || !ownerPassword))
      throw permanent(`${address}: ${OWNER_PASSWORD_PROPERTY} must be a non-empty string`, address);
    const props = validate<DatabaseProperties>(desired, rest);
    const name = physicalName(props.name, environmentId);
    const owner = physicalName(props.owner, environmentId);
    const password = (ownerPassword as string | undefined) ?? passwordFromConnectionString(existing?.sensitive.connection_string, owner);
    const secrets = [password, ownerPassword as string | undefined, existing?.sensitive.connection_string];
    if (!password) {
      throw permanent(
        `${address}: the password of owner "${owner}" was not given: the runner passes the role's password as properties.${OWNER_PASSWORD_PROPERTY} (engine.withSecretInputs)`,
        address,
      );
    }
    const limit = databaseConnectionLimits[props.size_class];
    try {
      return await this.withAdmin(async (client) => {
        checkAbort(ctx.signal, address);
        const ownerRow = await this.roleByName(client, owner);
        const ownerMeta = parseMeta(ownerRow?.comment);
        if (!ownerRow || ownerMeta?.environmentId !== environmentId || ownerMeta.type !== "role") {
          throw permanent(`${address}: owner: "${owner}" is not a role of this environment (create it with a role resource first)`, address);
        }
        for (let attempt = 1; ; attempt++) {
          checkAbort(ctx.signal, address);
          let current = await this.findDatabase(client, environmentId, desired, name);
          if (current && current.connection_limit === -2) {
            // An interrupted DROP DATABASE left it unusable: finish dropping, then create anew.
            await this.dropDatabase(client, current.name);
            await ctx.log({ level: "warn", message: `Dropped database "${current.name}" left invalid by an interrupted drop`, address });
            current = null;
          }
          const previous = parseMeta(current?.comment);
          if (!current) {
            try {
              await client.query(`create database ${ident(name)} owner ${ident(owner)} connection limit ${limit}`);
            } catch (error) {
              if (errorCode(error) === "42P04" && attempt === 1) continue;
              throw error;
            }
            // At once, so read() finds it; the full configuration below repeats it.
            await client.query(`comment on database ${ident(name)} is ${literal(JSON.stringify(this.meta(environmentId, desired, props)))}`);
            await ctx.log({ level: "info", message: `Created database "${name}" owned by "${owner}"`, address });
          } else {
            if (!previous)
              await ctx.log({ level: "warn", message: `Database "${current.name}" was left by an interrupted create: adopted`, address });
            else await ctx.log({ level: "info", message: `Database "${current.name}" exists: adopted and updated`, address });
            if (current.name !== name) {
              if (await this.databaseByName(client, name))
                throw permanent(`${address}: cannot rename database "${current.name}" to "${name}": that name is taken`, address);
              await this.terminateSessions(client, current.name);
              await client.query(`alter database ${ident(current.name)} rename to ${ident(name)}`);
              await ctx.log({ level: "info", message: `Renamed database "${current.name}" to "${name}" (its sessions were ended)`, address });
            }
          }

          const previousExtensions = (Array.isArray(previous?.properties.extensions) ? previous.properties.extensions : []).filter(
            (e): e is (typeof allowedExtensions)[number] => typeof e === "string" && (allowedExtensions as readonly string[]).includes(e),
          );
          const removed = previousExtensions.filter((e) => !props.extensions.includes(e));
          checkAbort(ctx.signal, address);
          await this.transaction(client, async () => {
            if (current && current.owner !== owner) await client.query(`alter database ${ident(name)} owner to ${ident(owner)}`);
            await client.query(`alter database ${ident(name)} connection limit ${limit}`);
            await client.query(`revoke all on database ${ident(name)} from public`);
            await client.query(`grant all on database ${ident(name)} to ${ident(owner)}`);
            await client.query(`alter database ${ident(name)} set statement_timeout = ${literal(`${Math.trunc(props.statement_timeout_seconds)}s`)}`);
            // Extensions about to be dropped stay recorded until they are, so a crash in between forgets none.
            const recorded = { ...props, extensions: [...props.extensions, ...removed] };
            await client.query(`comment on database ${ident(name)} is ${literal(JSON.stringify(this.meta(environmentId, desired, recorded)))}`);
          });
          checkAbort(ctx.signal, address);
          await this.configureExtensions(name, props.extensions, removed);
          if (removed.length)
            await client.query(`comment on database ${ident(name)} is ${literal(JSON.stringify(this.meta(environmentId, desired, props)))}`);
          await ctx.log({
            level: "info",
            message: `Database "${name}": connection limit ${limit}, statement timeout ${props.statement_timeout_seconds}s, extensions ${props.extensions.join(", ") || "none"}${removed.length ? ` (dropped ${removed.join(", ")})` : ""}`,
            address,
          });
          return {
            address,
            type: "database",
            providerId: name,
            properties: { ...props },
            attributes: { name, host: this.host, port: this.port },
            sensitive: { connection_string: this.connectionString(owner, password, name) },
            tags: { ...desired.tags },
            idempotencyKey: desired.idempotencyKey,
            status: "ready",
          };
        }
      });
    } catch (error) {
      throw toEngineError(error, `apply database "${name}"`, { address, secrets });
    }
  }

  /** The database carrying this idempotency key, or one left without comment by an interrupted create of ours. */
  private async findDatabase(client: pg.ClientBase, environmentId: string, desired: DesiredResource, name: string): Promise<DatabaseRow | null> {
    const mentioning = await client.query<DatabaseRow>(
      `select ${databaseColumns} from pg_database d where strpos(coalesce(shobj_description(d.oid, 'pg_database'), ''), $1) > 0`,
      [desired.idempotencyKey],
    );
    const mine = mentioning.rows.filter((r) => {
      const meta = parseMeta(r.comment);
      return meta?.environmentId === environmentId && meta.idempotencyKey === desired.idempotencyKey && meta.type === "database";
    });
    if (mine.length > 1)
      throw permanent(
        `${desired.address}: several databases carry idempotency key ${desired.idempotencyKey}: ${mine.map((r) => r.name).join(", ")}`,
        desired.address,
      );
    if (mine[0]) return mine[0];
    const byName = await this.databaseByName(client, name);
    if (!byName) return null;
    const meta = parseMeta(byName.comment);
    if (meta?.environmentId === environmentId)
      throw permanent(`${desired.address}: database "${name}" is already used by ${meta.address} of this environment`, desired.address);
    if (
      byName.comment === null &&
      hasEnvironmentSuffix(byName.name, environmentId) &&
      (await this.isEnvironmentRole(client, byName.owner, environmentId))
    )
      return byName;
    throw permanent(
      `${desired.address}: database "${name}" already exists on the server and is not managed by this environment: choose another name`,
      desired.address,
    );
  }

  private async databaseByName(client: pg.ClientBase, name: string): Promise<DatabaseRow | null> {
    return (await client.query<DatabaseRow>(`select ${databaseColumns} from pg_database d where d.datname = $1`, [name])).rows[0] ?? null;
  }

  private async isEnvironmentRole(client: pg.ClientBase, roleName: string, environmentId: string): Promise<boolean> {
    const meta = parseMeta((await this.roleByName(client, roleName))?.comment);
    return meta?.environmentId === environmentId && meta.type === "role";
  }

  private async destroyDatabase(ctx: EngineContext, resource: ActualResource): Promise<void> {
    const address = resource.address;
    try {
      await this.withAdmin(async (client) => {
        const row = await this.locate(client, "database", ctx.environmentId, resource);
        if (!row) {
          await ctx.log({ level: "info", message: `Database "${resource.providerId}" is already gone`, address });
          return;
        }
        const meta = parseMeta(row.comment);
        const ours = meta
          ? meta.environmentId === ctx.environmentId
          : row.comment === null &&
            hasEnvironmentSuffix(row.name, ctx.environmentId) &&
            (await this.isEnvironmentRole(client, row.owner, ctx.environmentId));
        if (!ours) {
          await ctx.log({ level: "warn", message: `Database "${row.name}" exists but is not this environment's: left alone`, address });
          return;
        }
        checkAbort(ctx.signal, address);
        await this.dropDatabase(client, row.name);
        await ctx.log({ level: "info", message: `Dropped database "${row.name}" (its sessions were ended)`, address });
      });
    } catch (error) {
      throw toEngineError(error, `destroy database "${resource.providerId}"`, { address, secrets: [resource.sensitive.connection_string] });
    }
  }

  private async terminateSessions(client: pg.ClientBase, database: string): Promise<void> {
    await client.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [database]);
  }

  private async dropDatabase(client: pg.ClientBase, name: string): Promise<void> {
    await this.terminateSessions(client, name);
    const force = (await this.version(client)) >= 130000 ? " with (force)" : "";
    await client.query(`drop database if exists ${ident(name)}${force}`);
  }

  /** Creates `wanted` and drops `removed` extensions, as the admin, inside the database. */
  private async configureExtensions(database: string, wanted: readonly string[], removed: readonly string[]): Promise<void> {
    if (!wanted.length && !removed.length) return;
    const client = this.databaseClient(database);
    await client.connect();
    try {
      for (const extension of wanted) await client.query(`create extension if not exists ${ident(extension)}`);
      for (const extension of removed) {
        try {
          await client.query(`drop extension if exists ${ident(extension)} restrict`);
        } catch (error) {
          if (errorCode(error) === "2BP01")
            throw permanent(`extension ${extension} cannot be dropped from "${database}": objects in the database use it`);
          throw error;
        }
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async extensionsIn(database: string): Promise<string[]> {
    const client = this.databaseClient(database);
    await client.connect();
    try {
      return (await client.query<{ extname: string }>("select extname from pg_extension")).rows.map((r) => r.extname);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private databaseClient(database: string): pg.Client {
    const url = new URL(this.adminUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    const client = new pg.Client({
      connectionString: url.toString(),
      application_name: "provisio-postgres-engine",
      options: this.sessionOptions,
      connectionTimeoutMillis: 10_000,
    });
    client.on("error", () => undefined);
    return client;
  }

  private connectionString(user: string, password: string, database: string): string {
    const host = this.host.includes(":") && !this.host.startsWith("[") ? `[${this.host}]` : this.host;
    return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${this.port}/${encodeURIComponent(database)}?sslmode=${encodeURIComponent(this.sslMode)}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Shared

  private meta(environmentId: string, desired: DesiredResource, properties: object): Meta {
    return {
      provisio: 1,
      environmentId,
      idempotencyKey: desired.idempotencyKey,
      address: desired.address,
      type: desired.type as Meta["type"],
      properties: { ...properties },
      tags: { ...desired.tags },
    };
  }

  /** The object a destroy is about: by idempotency key (it may have been renamed), else by its name. */
  private async locate(client: pg.ClientBase, type: "role", environmentId: string, resource: ActualResource): Promise<RoleRow | null>;
  private async locate(client: pg.ClientBase, type: "database", environmentId: string, resource: ActualResource): Promise<DatabaseRow | null>;
  private async locate(
    client: pg.ClientBase,
    type: "role" | "database",
    environmentId: string,
    resource: ActualResource,
  ): Promise<RoleRow | DatabaseRow | null> {
    const sql =
      type === "role"
        ? `select ${roleColumns} from pg_roles r where strpos(coalesce(shobj_description(r.oid, 'pg_authid'), ''), $1) > 0`
        : `select ${databaseColumns} from pg_database d where strpos(coalesce(shobj_description(d.oid, 'pg_database'), ''), $1) > 0`;
    if (resource.idempotencyKey) {
      const rows = (await client.query<RoleRow | DatabaseRow>(sql, [resource.idempotencyKey])).rows;
      const mine = rows.find((r) => {
        const meta = parseMeta(r.comment);
        return meta?.environmentId === environmentId && meta.idempotencyKey === resource.idempotencyKey && meta.type === type;
      });
      if (mine) return mine;
    }
    if (!resource.providerId || !physicalNamePattern.test(resource.providerId)) return null;
    return type === "role" ? this.roleByName(client, resource.providerId) : this.databaseByName(client, resource.providerId);
  }

  private async version(client: pg.ClientBase): Promise<number> {
    this.serverVersion ??= Number((await client.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v ?? 0);
    return this.serverVersion;
  }

  private async withAdmin<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (error) {
      // A connection-level failure: do not hand the client back to the pool.
      if (!(error instanceof EngineError) && !/^[0-9A-Z]{5}$/.test(errorCode(error) ?? "")) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async transaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
    await client.query("begin");
    try {
      const result = await fn();
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    }
  }
}

export function createPostgresEngine(options: PostgresEngineOptions): PostgresEngine {
  return new PostgresEngineImpl(options);
}

/** The engine's options from the runtime environment: PROVISIO_POSTGRES_ENGINE_URL, else DATABASE_URL. */
export function postgresEngineOptionsFromEnv(source: Pick<RuntimeEnv, "DATABASE_URL" | "PROVISIO_POSTGRES_ENGINE_URL">): PostgresEngineOptions {
  return { adminUrl: source.PROVISIO_POSTGRES_ENGINE_URL ?? source.DATABASE_URL };
}

let shared: PostgresEngine | undefined;

/** One engine per process, configured from the environment (the worker's registry uses it). */
export function postgresEngine(): PostgresEngine {
  shared ??= createPostgresEngine(postgresEngineOptionsFromEnv(runtimeEnv()));
  return shared;
}

/** Closes and forgets the shared engine: the next postgresEngine() is configured from the environment again (tests). */
export async function closeSharedPostgresEngine(): Promise<void> {
  const engine = shared;
  shared = undefined;
  // A test may have closed it already; ending a pool twice throws.
  await engine?.close().catch(() => undefined);
}
