/**
 * The postgres engine against the real embedded PostgreSQL of the test run: roles and databases
 * are created, adopted, read back, and dropped for real; the developer's connection string is used.
 */
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { EngineError, type ActualResource, type DesiredResource, type EngineContext, type RunLogEvent } from "../engine";
import { createPostgresEngine, type PostgresEngine } from "./engine";
import { environmentSuffix, physicalName } from "./naming";

const adminUrl = inject("templateDatabaseUrl").replace(/\/provisio_template$/, "/postgres");
const engine = createPostgresEngine({ adminUrl });
const engines: PostgresEngine[] = [engine];
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

function context(environmentId: string = randomUUID()) {
  const events: RunLogEvent[] = [];
  const controller = new AbortController();
  const ctx: EngineContext = {
    environmentId,
    log: (event) => {
      events.push(event);
    },
    signal: controller.signal,
  };
  return { ctx, events, controller, environmentId };
}

const tagsFor = (environmentId: string) => ({
  "environment-id": environmentId,
  "managed-by": "provisio",
  team: "payments",
  owner: "alice@example.com",
  "cost-center": "cc-42",
});

function roleDesired(environmentId: string, properties: Record<string, unknown> = {}): DesiredResource {
  return {
    address: "app_role",
    type: "role",
    properties: { name: "orders_owner", login: true, connection_limit: 5, read_only: false, ...properties },
    tags: tagsFor(environmentId),
    idempotencyKey: `${environmentId}/app_role`,
  };
}

function databaseDesired(environmentId: string, owner: string, properties: Record<string, unknown> = {}): DesiredResource {
  return {
    address: "db",
    type: "database",
    properties: {
      region: "local",
      name: "orders",
      owner,
      size_class: "micro",
      storage_gb: 10,
      extensions: ["pgcrypto", "citext", "pg_trgm", "uuid-ossp"],
      statement_timeout_seconds: 60,
      ...properties,
    },
    tags: tagsFor(environmentId),
    idempotencyKey: `${environmentId}/db`,
  };
}

async function withClient<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const admin = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
  withClient(adminUrl, async (c) => (await c.query<R>(sql, params)).rows);

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error("expected the promise to reject");
}

/** Role and database of one environment, created through the engine as the runner would. */
async function provision(env = context(), dbProperties: Record<string, unknown> = {}) {
  const role = await engine.apply(env.ctx, roleDesired(env.environmentId), null);
  const desired = engine.withSecretInputs(databaseDesired(env.environmentId, String(role.attributes.name), dbProperties), [role]);
  const db = await engine.apply(env.ctx, desired, null);
  return { ...env, role, db, desired };
}

async function teardown(env: ReturnType<typeof context>, ...resources: ActualResource[]) {
  const ordered = [...resources.filter((r) => r.type === "database"), ...resources.filter((r) => r.type !== "database")];
  for (const r of ordered) await engine.destroy(env.ctx, r);
}

describe("postgres engine", () => {
  it("creates a login role and a database the developer can connect to, with the allowed extensions and a statement timeout", async () => {
    const env = context();
    const { role, db, events } = await provision(env);
    const suffix = environmentSuffix(env.environmentId);
    expect(role.providerId).toBe(`orders_owner_${suffix}`);
    expect(role.attributes).toEqual({ name: role.providerId });
    expect(role.sensitive.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(db.providerId).toBe(`orders_${suffix}`);
    expect(db.attributes).toMatchObject({ name: db.providerId, host: "127.0.0.1" });
    const port = new URL(adminUrl).port;
    expect(db.sensitive.connection_string).toBe(
      `postgresql://${role.providerId}:${role.sensitive.password}@127.0.0.1:${port}/${db.providerId}?sslmode=disable`,
    );
    expect(db.properties).not.toHaveProperty("owner_password");

    await withClient(db.sensitive.connection_string ?? "", async (c) => {
      await c.query("create table widgets (id uuid primary key default gen_random_uuid(), name citext not null)");
      await c.query("insert into widgets (name) values ('Sprocket')");
      expect((await c.query("select name from widgets where name = 'sprocket'")).rows).toEqual([{ name: "Sprocket" }]);
      expect((await c.query("select current_user as u")).rows[0].u).toBe(role.providerId);
      expect((await c.query("show statement_timeout")).rows[0].statement_timeout).toBe("1min");
      const extensions = (await c.query<{ extname: string }>("select extname from pg_extension order by 1")).rows.map((r) => r.extname);
      expect(extensions).toEqual(expect.arrayContaining(["citext", "pg_trgm", "pgcrypto", "uuid-ossp"]));
    });

    const [attrs] = await admin<Record<string, unknown>>(
      "select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolconnlimit from pg_roles where rolname = $1",
      [role.providerId],
    );
    expect(attrs).toEqual({
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolreplication: false,
      rolbypassrls: false,
      rolcanlogin: true,
      rolconnlimit: 5,
    });
    const [database] = await admin<{ datconnlimit: number; owner: string }>(
      "select datconnlimit, pg_get_userbyid(datdba) as owner from pg_database where datname = $1",
      [db.providerId],
    );
    expect(database).toEqual({ datconnlimit: 25, owner: role.providerId });
    // Only the verifier reached the server.
    const [stored] = await admin<{ rolpassword: string }>("select rolpassword from pg_authid where rolname = $1", [role.providerId]);
    expect(stored?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);

    const logged = JSON.stringify(events);
    expect(logged).not.toContain(role.sensitive.password);
    expect(logged).not.toContain("postgresql://");
    await teardown(env, db, role);
  });

  it("keeps environments apart: another environment's role cannot connect to the database", async () => {
    const a = await provision();
    const b = await provision();
    expect(a.role.providerId).not.toBe(b.role.providerId);
    const intruder = (a.db.sensitive.connection_string ?? "").replace(
      `${a.role.providerId}:${a.role.sensitive.password}`,
      `${b.role.providerId}:${b.role.sensitive.password}`,
    );
    const error = await withClient(intruder, async () => null).catch((e: unknown) => e as { code?: string });
    expect(error?.code).toBe("42501");
    await teardown(a, a.db, a.role);
    await teardown(b, b.db, b.role);
  });

  it("a retried apply adopts what exists: no duplicate, the password rotated and the new one works; a known password is kept", async () => {
    const env = context();
    const first = await engine.apply(env.ctx, roleDesired(env.environmentId), null);
    const retried = await engine.apply(env.ctx, roleDesired(env.environmentId), null);
    expect(retried.providerId).toBe(first.providerId);
    expect(retried.sensitive.password).not.toBe(first.sensitive.password);
    expect(env.events.some((e) => e.level === "warn" && /adopted.*rotated/.test(e.message))).toBe(true);
    const roles = await admin("select rolname from pg_roles where strpos(coalesce(shobj_description(oid, 'pg_authid'), ''), $1) > 0", [
      env.environmentId,
    ]);
    expect(roles).toHaveLength(1);

    const owner = String(retried.attributes.name);
    const db1 = await engine.apply(env.ctx, engine.withSecretInputs(databaseDesired(env.environmentId, owner), [first]), null);
    const db2 = await engine.apply(env.ctx, engine.withSecretInputs(databaseDesired(env.environmentId, owner), [retried]), null);
    expect(db2.providerId).toBe(db1.providerId);
    const dbs = await admin("select datname from pg_database where strpos(coalesce(shobj_description(oid, 'pg_database'), ''), $1) > 0", [
      env.environmentId,
    ]);
    expect(dbs).toHaveLength(1);
    // The old password no longer works, the new one does.
    const refused = await withClient(db1.sensitive.connection_string ?? "", async () => null).catch((e: unknown) => e as { code?: string });
    expect(refused?.code).toBe("28P01");
    await withClient(db2.sensitive.connection_string ?? "", async (c) => expect((await c.query("select 1 as one")).rows).toEqual([{ one: 1 }]));

    // An update that passes what it knows keeps the password (developers' apps keep working).
    const updated = await engine.apply(env.ctx, roleDesired(env.environmentId, { connection_limit: 7 }), retried);
    expect(updated.sensitive.password).toBe(retried.sensitive.password);
    const [limit] = await admin<{ rolconnlimit: number }>("select rolconnlimit from pg_roles where rolname = $1", [owner]);
    expect(limit?.rolconnlimit).toBe(7);
    // A password the server no longer accepts (changed behind our back) is rotated.
    const stale = await engine.apply(env.ctx, roleDesired(env.environmentId, { connection_limit: 7 }), {
      ...retried,
      sensitive: { password: "not-the-password" },
    });
    expect(stale.sensitive.password).not.toBe("not-the-password");
    // Without owner_password, an existing connection string of the same owner supplies it.
    const again = await engine.apply(env.ctx, databaseDesired(env.environmentId, owner), db2);
    expect(again.sensitive.connection_string).toBe(db2.sensitive.connection_string);
    await teardown(env, db2, stale);
  });

  it("read() finds an environment's objects by their comment, and the plan of the same template is all noop", async () => {
    const env = await provision();
    const other = await provision();
    const found = await engine.read(env.ctx);
    expect(found.map((r) => [r.address, r.providerId]).sort()).toEqual([
      ["app_role", env.role.providerId],
      ["db", env.db.providerId],
    ]);
    const byAddress = Object.fromEntries(found.map((r) => [r.address, r]));
    expect(byAddress.app_role?.properties).toEqual({ name: "orders_owner", login: true, connection_limit: 5, read_only: false });
    expect(byAddress.db?.properties).toEqual({ ...env.db.properties });
    expect(byAddress.db?.tags).toEqual(tagsFor(env.environmentId));
    expect(byAddress.db?.idempotencyKey).toBe(`${env.environmentId}/db`);
    expect(found.every((r) => Object.keys(r.sensitive).length === 0)).toBe(true);

    const plan = engine.plan([roleDesired(env.environmentId), env.desired], found);
    expect(plan.map((c) => [c.address, c.action])).toEqual([
      ["app_role", "noop"],
      ["db", "noop"],
    ]);
    // The owner's password never counts as a difference, and the change hands the original back.
    expect(plan[1]?.desired?.properties.owner_password).toBe(env.role.sensitive.password);

    // Drift made outside Provisio shows up, and an update repairs it.
    await admin(`alter role ${pg.escapeIdentifier(env.role.providerId)} connection limit 3`);
    await admin(`alter database ${pg.escapeIdentifier(env.db.providerId)} set statement_timeout = '5min'`);
    const drifted = engine.plan([roleDesired(env.environmentId), env.desired], await engine.read(env.ctx));
    expect(drifted.map((c) => [c.address, c.action, c.differences])).toEqual([
      ["app_role", "update", ["connection_limit"]],
      ["db", "update", ["statement_timeout_seconds"]],
    ]);
    for (const change of drifted) if (change.desired) await engine.apply(env.ctx, change.desired, change.existing);
    expect(engine.plan([roleDesired(env.environmentId), env.desired], await engine.read(env.ctx)).every((c) => c.action === "noop")).toBe(true);

    expect((await engine.read(context().ctx)).length).toBe(0);
    await teardown(env, env.db, env.role);
    await teardown(other, other.db, other.role);
  });

  it("destroy ends open sessions, drops database and role, and is idempotent", async () => {
    const env = await provision();
    const session = new pg.Client({ connectionString: env.db.sensitive.connection_string });
    session.on("error", () => undefined);
    await session.connect();
    await engine.destroy(env.ctx, env.db);
    await engine.destroy(env.ctx, env.db);
    await engine.destroy(env.ctx, env.role);
    await engine.destroy(env.ctx, env.role);
    await session.end().catch(() => undefined);
    expect(await engine.read(env.ctx)).toEqual([]);
    expect(await admin("select 1 from pg_database where datname = $1", [env.db.providerId])).toEqual([]);
    expect(await admin("select 1 from pg_roles where rolname = $1", [env.role.providerId])).toEqual([]);
    expect(env.events.filter((e) => /already gone/.test(e.message))).toHaveLength(2);
  });

  it("refuses an injection attempt in a name before any SQL, as a permanent error naming the field", async () => {
    // Nothing listens on port 1: any SQL would fail as a transient connection error instead.
    const offline = createPostgresEngine({ adminUrl: "postgres://nobody:secret@127.0.0.1:1/postgres" });
    engines.push(offline);
    const env = context();
    const attempts: DesiredResource[] = [
      roleDesired(env.environmentId, { name: `x"; drop role provisio; --` }),
      roleDesired(env.environmentId, { name: "Robert'); DROP TABLE students;--" }),
      roleDesired(env.environmentId, { name: "pg_signal_backend" }),
      databaseDesired(env.environmentId, `o" superuser --`, { owner_password: "pw" }),
      databaseDesired(env.environmentId, "orders_owner", { owner_password: "pw", extensions: ["plpgsql; drop database postgres"] }),
      databaseDesired(env.environmentId, "orders_owner", { owner_password: "pw", name: { $ref: "resources.x.name" } }),
      { ...roleDesired(env.environmentId), type: "table" },
    ];
    for (const desired of attempts) {
      const error = await rejection(offline.apply(env.ctx, desired, null));
      expect(error.kind).toBe("permanent");
      expect(error.options.address).toBe(desired.address);
    }
    expect((await rejection(offline.apply(env.ctx, attempts[0]!, null))).message).toMatch(/name: must be a lowercase identifier/);
    expect((await rejection(offline.apply(env.ctx, attempts[2]!, null))).message).toMatch(/name: must not start with "pg_"/);
    expect((await rejection(offline.apply(env.ctx, attempts[4]!, null))).message).toMatch(/extensions\.0: must be one of/);
    // A database without its owner's password is refused before any SQL too.
    expect((await rejection(offline.apply(env.ctx, databaseDesired(env.environmentId, "orders_owner"), null))).message).toMatch(/owner_password/);
    // The same engine with a valid resource reaches for the server: a transient error that says so.
    const unreachable = await rejection(offline.apply(env.ctx, roleDesired(env.environmentId), null));
    expect(unreachable.kind).toBe("transient");
    expect(unreachable.message).toMatch(/ECONNREFUSED|connection refused/);
    expect(unreachable.message).not.toContain("secret");
    expect((await rejection(offline.read(env.ctx))).kind).toBe("transient");
  });

  it("an error after the role was created never shows the password or a connection string", async () => {
    // An admin that may create roles but not databases: the database step fails after the role exists.
    const limited = `limited_${randomBytes(4).toString("hex")}`;
    await admin(`create role ${limited} login createrole nocreatedb password 'limited-pass'`);
    const url = new URL(adminUrl);
    url.username = limited;
    url.password = "limited-pass";
    const password = `Pw_${randomBytes(12).toString("base64url")}`;
    const limitedEngine = createPostgresEngine({ adminUrl: url.toString(), generatePassword: () => password });
    engines.push(limitedEngine);
    const env = context();
    const role = await limitedEngine.apply(env.ctx, roleDesired(env.environmentId), null);
    expect(role.sensitive.password).toBe(password);
    const desired = limitedEngine.withSecretInputs(databaseDesired(env.environmentId, String(role.attributes.name)), [role]);
    const error = await rejection(limitedEngine.apply(env.ctx, desired, null));
    expect(error.kind).toBe("permanent");
    expect(error.options.code).toBe("42501");
    expect(error.message).toMatch(/permission denied to create database/);
    for (const text of [error.message, error.stack ?? "", JSON.stringify(env.events)]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
      expect(text).not.toContain("postgresql://");
      expect(text).not.toContain("limited-pass");
    }
    // A name collision with a database that is not ours is refused, also without secrets.
    await admin(`create database ${physicalName("taken", env.environmentId)}`);
    const conflict = await rejection(engine.apply(env.ctx, { ...desired, properties: { ...desired.properties, name: "taken" } }, null));
    expect(conflict.kind).toBe("permanent");
    expect(conflict.message).toMatch(/already exists on the server and is not managed by this environment/);
    expect(conflict.message).not.toContain(password);
    await admin(`drop database ${physicalName("taken", env.environmentId)}`);

    await limitedEngine.destroy(env.ctx, role);
    await admin(`drop role ${limited}`);
  });

  it("never adopts, rotates or drops an object that is not this environment's", async () => {
    const env = context();
    const name = physicalName("orders_owner", env.environmentId);
    await admin(`create role ${name} login password 'theirs'`);
    const error = await rejection(engine.apply(env.ctx, roleDesired(env.environmentId), null));
    expect(error.kind).toBe("permanent");
    expect(error.message).toMatch(/not managed by this environment/);
    // Destroying "our" role by that name leaves theirs alone.
    await engine.destroy(env.ctx, {
      address: "app_role",
      type: "role",
      providerId: name,
      properties: {},
      attributes: {},
      sensitive: {},
      tags: {},
      idempotencyKey: `${env.environmentId}/app_role`,
      status: "ready",
    });
    expect(await admin("select 1 from pg_roles where rolname = $1", [name])).toHaveLength(1);
    // A database cannot be given to a role outside the environment (not even the admin).
    const other = await provision();
    for (const owner of ["provisio", "postgres", other.role.providerId]) {
      const refused = await rejection(engine.apply(env.ctx, databaseDesired(env.environmentId, owner, { owner_password: "x-password" }), null));
      expect(refused.message).toMatch(/owner: .* is not a role of this environment/);
    }
    await admin(`drop role ${name}`);
    await teardown(other, other.db, other.role);
  });

  it("adopts a database left without comment by an interrupted create; the role's destroy drops such leftovers", async () => {
    const env = context();
    const role = await engine.apply(env.ctx, roleDesired(env.environmentId), null);
    const dbName = physicalName("orders", env.environmentId);
    await admin(`create database ${dbName} owner ${role.providerId}`);
    const db = await engine.apply(env.ctx, engine.withSecretInputs(databaseDesired(env.environmentId, role.providerId), [role]), null);
    expect(db.providerId).toBe(dbName);
    expect(env.events.some((e) => /interrupted create: adopted/.test(e.message))).toBe(true);
    expect((await engine.read(env.ctx)).map((r) => r.address).sort()).toEqual(["app_role", "db"]);

    const leftover = physicalName("scratch", env.environmentId);
    await admin(`create database ${leftover} owner ${role.providerId}`);
    await engine.destroy(env.ctx, db);
    await engine.destroy(env.ctx, role);
    expect(await admin("select datname from pg_database where datname = any($1)", [[dbName, leftover]])).toEqual([]);
    expect(await admin("select 1 from pg_roles where rolname = $1", [role.providerId])).toEqual([]);
  });

  it("updates a database: extensions removed from the template are dropped, a new name renames it, owner data kept", async () => {
    const env = await provision(undefined, { extensions: ["pgcrypto", "citext"] });
    await withClient(env.db.sensitive.connection_string ?? "", (c) => c.query("create table kept (id int)"));
    const desired = engine.withSecretInputs(
      databaseDesired(env.environmentId, env.role.providerId, { extensions: ["pgcrypto"], name: "orders_v2" }),
      [env.role],
    );
    const updated = await engine.apply(env.ctx, desired, env.db);
    expect(updated.providerId).toBe(physicalName("orders_v2", env.environmentId));
    await withClient(updated.sensitive.connection_string ?? "", async (c) => {
      const extensions = (await c.query<{ extname: string }>("select extname from pg_extension")).rows.map((r) => r.extname);
      expect(extensions).toContain("pgcrypto");
      expect(extensions).not.toContain("citext");
      expect((await c.query("select count(*)::int as n from kept")).rows).toEqual([{ n: 0 }]);
    });
    const [read] = (await engine.read(env.ctx)).filter((r) => r.type === "database");
    expect(read?.properties).toMatchObject({ name: "orders_v2", extensions: ["pgcrypto"] });
    expect(await admin("select 1 from pg_database where datname = $1", [env.db.providerId])).toEqual([]);
    await teardown(env, updated, env.role);
  });

  it("stops at a safe point when the worker shuts down, as a transient error", async () => {
    const env = context();
    env.controller.abort();
    const error = await rejection(engine.apply(env.ctx, roleDesired(env.environmentId), null));
    expect(error.kind).toBe("transient");
    expect(await admin("select 1 from pg_roles where rolname = $1", [physicalName("orders_owner", env.environmentId)])).toEqual([]);
  });
});
