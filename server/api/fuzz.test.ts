import { getTRPCErrorShape, TRPCError } from "@trpc/server";
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Database } from "~/db/client";
import { notifications } from "~/db/schema";
import { createLogger } from "~/server/logger";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { auditExportResponse } from "./audit-export";
import { costExportResponse } from "./cost-export";
import { trpcHttpHandler } from "./http";
import { appRouter, createCaller } from "./root";
import { createContext, type Context } from "./trpc";

/**
 * The standing fuzz suite: every procedure of the root router (read from the router, so a new
 * one is covered without touching this file), called as each persona with arbitrary input —
 * inputs shaped like the procedure's own schema, the same with one field replaced by something
 * hostile (long, NUL, unicode, deep, wide, wrong type), and plain random values. Never a server
 * fault (INTERNAL_SERVER_ERROR), and every error answer is of bounded size. Then the same over
 * HTTP with random bodies and paths: never a 5xx. `FUZZ_RUNS` scales it (default sized to run in
 * well under a minute on a busy 2-core machine).
 */

const runsPerProcedure = Number(process.env.FUZZ_RUNS ?? 150);
const maxMessage = 4_096;
const maxErrorShape = 16 * 1024;

type Persona = "anonymous" | "member" | "auditor" | "admin";
const personas: Persona[] = ["anonymous", "member", "auditor", "admin"];
type Procedure = { _def: { inputs: z.ZodType[]; type: string } };
const procedures = appRouter._def.procedures as unknown as Record<string, Procedure>;
const paths = Object.keys(procedures).sort();

let db: Database;
const viewers = {} as Record<Persona, Viewer | null>;
/** Ids of real rows by the field names that carry them, so calls reach past "not found" into the services. */
const pool = { ids: {} as Record<string, string[]>, uuids: [] as string[], emails: [] as string[], templateNames: [] as string[] };
const stats = { cases: 0, http: 0, rest: 0, faults: [] as string[], byCode: {} as Record<string, number> };
const quiet = createLogger(undefined, "silent");

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createTestDatabase());
  // The processes' environment, as a started web server has it (terraform plans read it).
  process.env.DATABASE_URL ??= url;
  process.env.NEXTAUTH_SECRET ??= "fuzz-suite-session-secret-0123456789";
  process.env.PROVISIO_DEMO ??= "true";
  const member = await makeUser(db);
  const auditor = await makeUser(db, { globalRole: "auditor" });
  const admin = await makeUser(db, { globalRole: "admin" });
  const team = await makeTeam(db, [{ userId: member.id, role: "member" }]);
  const otherTeam = await makeTeam(db);
  viewers.anonymous = null;
  viewers.member = await loadViewer(db, member.id);
  viewers.auditor = await loadViewer(db, auditor.id);
  viewers.admin = await loadViewer(db, admin.id);
  const adminApi = createCaller(createContext(db, viewers.admin, { log: quiet }));
  const name = uniqueTemplateName("fuzz");
  const draft = await adminApi.templateAdmin.createDraft({ yaml: templateYaml(name) });
  await adminApi.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
  const pendingDraft = await adminApi.templateAdmin.createDraft({ yaml: templateYaml(name, "1.0.1") });
  const request = await createCaller(createContext(db, viewers.member, { log: quiet })).requests.submit({
    teamId: team.id,
    templateName: name,
    tier: "prod",
    environmentName: "fuzz-target",
    ttlHours: 24,
    parameters: {},
    justification: "a request for the fuzz suite to poke at",
    clientRequestId: randomUUID(),
  });
  const webhook = await adminApi.webhooks.create({
    teamId: team.id,
    url: "https://hooks.example.test/fuzz",
    events: ["dev.provisio.request.approved"],
  });
  const [note] = await db
    .insert(notifications)
    .values({ userId: member.id, kind: "approval_needed", title: "Fuzz", body: "", link: null })
    .returning();
  pool.ids = {
    teamId: [team.id, otherTeam.id],
    requestId: [request.id],
    userId: [member.id, auditor.id, admin.id],
    templateId: [draft.templateId],
    versionId: [draft.versionId, pendingDraft.versionId],
    webhookId: [webhook.webhook.id],
    ids: [note!.id],
    cursor: [note!.id],
  };
  pool.uuids = [...new Set(Object.values(pool.ids).flat()), randomUUID()];
  pool.emails = [member.email, admin.email, "nobody@example.test"];
  pool.templateNames = [name, "web-service", "no-such-template"];
});

afterAll(() => {
  // The closing figures of the suite (issue 17 asks for them).
  console.log(
    `fuzz: ${stats.cases} procedure calls (${paths.length} procedures × ${personas.length} personas), ${stats.http} HTTP requests, ${stats.rest} REST exports; ` +
      `server faults: ${stats.faults.length}; procedure answers: ${JSON.stringify(stats.byCode)}`,
  );
});

// Arbitraries ---------------------------------------------------------------------------------

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
};

const nested = (depth: number): unknown => (depth === 0 ? "deep" : { a: [nested(depth - 1)] });
const wide = (keys: number) => Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i]));

/** Values no field expects: the hostile half of every mutation. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "x".repeat(10_000),
    "y".repeat(300_000),
    "\u0000",
    "a\u0000b",
    "\u001b[31mred",
    "\u0085",
    "\u202egnp.exe",
    "\ud800",
    "😀".repeat(500),
    "é́́́́",
    "' OR 1=1 --",
    '${file("/etc/passwd")}',
    "../../etc/passwd",
    "__proto__",
    "all",
    "",
  ),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom<unknown>(
    null,
    undefined,
    true,
    false,
    0,
    -1,
    -0,
    1.5,
    1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 2,
    new Date(Number.NaN),
    new Date(0),
  ),
  fc.constantFrom<unknown>(
    nested(40),
    nested(8),
    wide(500),
    wide(50),
    [],
    [[[]]],
    Array.from({ length: 2_000 }, () => 1),
    JSON.parse('{"__proto__":{"admin":true}}'),
    { constructor: { prototype: {} } },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

function stringFor(key: string, schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.format === "uuid")
    return fc.oneof({ arbitrary: fc.constantFrom(...(pool.ids[key] ?? pool.uuids)), weight: 4 }, { arbitrary: fc.uuid(), weight: 1 });
  if (schema.format === "email") return fc.constantFrom(...pool.emails);
  if (/name$|^template$/i.test(key) && !/environment/i.test(key)) return fc.constantFrom(...pool.templateNames, "fuzz-env");
  if (/environmentName|confirmName/.test(key)) return fc.constantFrom("fuzz-target", "fuzz-new", "x");
  if (key === "yaml")
    return fc.constantFrom(
      templateYaml(pool.templateNames[0]!, "1.0.2"),
      templateYaml(uniqueTemplateName("fz")),
      "a: b",
      "[".repeat(5_000),
      "metadata: [",
    );
  if (key === "url")
    return fc.constantFrom(
      "https://hooks.example.test/p",
      "http://169.254.169.254/",
      "https://[::ffff:0:a9fe:a9fe]/",
      "https://[64:ff9b::a9fe:a9fe]/",
      "not a url",
    );
  if (/version$/i.test(key)) return fc.constantFrom("1.0.0", "1.0.1", "9.9.9");
  if (key === "month") return fc.constantFrom("2025-01", "1999-13", "2999-01");
  if (key === "from" || key === "to") return fc.constantFrom("2025-01-01", "2025-01-01T00:00:00Z", "yesterday");
  const max = Math.min(schema.maxLength ?? 60, 60);
  return fc.oneof(fc.constant("a plain, reasonable text".slice(0, max)), fc.string({ maxLength: max }));
}

/** An input shaped like the procedure's schema (its JSON Schema), with plausible and known values. */
function shaped(schema: JsonSchema, key = "", depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return fc.oneof(...options.map((s) => shaped(s, key, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return stringFor(key, schema);
    case "integer":
      return fc.integer({ min: Math.max(schema.minimum ?? -5, -1_000_000), max: Math.min(schema.maximum ?? 1_000, 1_000_000) });
    case "number":
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(schema.items ? shaped(schema.items, key, depth + 1) : fc.jsonValue(), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case "object": {
      const properties = Object.entries(schema.properties ?? {});
      if (properties.length === 0) return fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
      const required = new Set(schema.required ?? []);
      return fc.record(Object.fromEntries(properties.map(([name, s]) => [name, shaped(s, name, depth + 1)])), {
        requiredKeys: properties.map(([name]) => name).filter((name) => required.has(name)),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The procedure's input schemas (a team procedure has two) merged into one JSON Schema. */
function inputSchema(procedure: Procedure): JsonSchema | null {
  const parts = procedure._def.inputs.map((s) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as JsonSchema);
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0]!;
  return {
    type: "object",
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) as Record<string, JsonSchema>,
    required: parts.flatMap((p) => p.required ?? []),
  };
}

function inputFor(procedure: Procedure): fc.Arbitrary<unknown> {
  const schema = inputSchema(procedure);
  if (!schema) return fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: hostile, weight: 1 });
  const valid = shaped(schema);
  const keys = Object.keys(schema.properties ?? {});
  const mutated = fc
    .tuple(valid, fc.oneof(fc.constantFrom(...(keys.length ? keys : ["x"])), fc.string({ maxLength: 8 })), hostile)
    .map(([input, key, value]) => (typeof input === "object" && input !== null && !Array.isArray(input) ? { ...input, [key]: value } : value));
  // A valid input with one of its texts carrying a control character or an odd code point: it passes the schema's own checks.
  const poisoned = fc
    .tuple(valid, fc.nat(), fc.constantFrom("\u0000", "\u0007", "\u001b", "\u0085", "\ud800", "\u202e"))
    .map(([input, pick, char]) => {
      if (typeof input !== "object" || input === null) return input;
      const texts = Object.entries(input).filter(([, v]) => typeof v === "string");
      if (texts.length === 0) return input;
      const [key, value] = texts[pick % texts.length]!;
      return { ...input, [key]: `${value as string}${char}` };
    });
  return fc.oneof(
    { arbitrary: valid, weight: 3 },
    { arbitrary: mutated, weight: 3 },
    { arbitrary: poisoned, weight: 2 },
    { arbitrary: hostile, weight: 1 },
  );
}

// Properties ----------------------------------------------------------------------------------

function call(persona: Persona, path: string, input: unknown): Promise<unknown> {
  const caller = createCaller(createContext(db, viewers[persona], { correlationId: `fuzz-${stats.cases}`, log: quiet }));
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  return fn(input);
}

describe("fuzz: every procedure, every persona, arbitrary input", () => {
  it("covers every procedure of the router", () => {
    expect(paths.length).toBeGreaterThan(40);
  });

  it.each(paths)("%s: never a server fault, errors of bounded size", async (path) => {
    const procedure = procedures[path]!;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...personas), inputFor(procedure), async (persona, input) => {
        stats.cases++;
        try {
          await call(persona, path, input);
          stats.byCode.OK = (stats.byCode.OK ?? 0) + 1;
        } catch (error) {
          expect(error).toBeInstanceOf(TRPCError);
          const trpcError = error as TRPCError;
          stats.byCode[trpcError.code] = (stats.byCode[trpcError.code] ?? 0) + 1;
          if (trpcError.code === "INTERNAL_SERVER_ERROR") stats.faults.push(`${path} as ${persona}: ${trpcError.message}`);
          expect(trpcError.code, `${path} as ${persona}: ${trpcError.message}`).not.toBe("INTERNAL_SERVER_ERROR");
          expect(trpcError.message.length).toBeLessThan(maxMessage);
          // What the HTTP answer would carry (errorFormatter): bounded too.
          const shape = getTRPCErrorShape({
            config: appRouter._def._config,
            error: trpcError,
            type: procedure._def.type as "query",
            path,
            input,
            ctx: { correlationId: "fuzz" } as Context,
          });
          expect(JSON.stringify(shape).length).toBeLessThan(maxErrorShape);
        }
      }),
      { numRuns: runsPerProcedure },
    );
  });
});

describe("fuzz: the HTTP edge", () => {
  const handler = () => trpcHttpHandler({ db: () => db, viewer: async () => viewers.member, log: quiet });
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ json: v })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ json: {}, meta: { values: v } })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ 0: { json: v }, 1: v })),
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.constantFrom(`{"json":${"[".repeat(40_000)}${"]".repeat(40_000)}}`, '{"json":{},"meta":{"values":["bigint"]}}', "", "null", "{"),
  );
  const path = fc.oneof(
    fc.constantFrom(...paths),
    fc.array(fc.constantFrom(...paths), { minLength: 2, maxLength: 14 }).map((p) => `${p.join(",")}?batch=1`),
    fc.string({ maxLength: 30 }),
  );

  it("never answers 5xx, and answers in bounded size", async () => {
    await fc.assert(
      fc.asyncProperty(path, body, fc.boolean(), async (target, text, post) => {
        stats.http++;
        const response = await handler()(
          new Request(
            `http://localhost/api/trpc/${encodeURI(target).replace(/%3F/g, "?")}`,
            post ? { method: "POST", headers: { "content-type": "application/json" }, body: text } : {},
          ),
        );
        const answer = await response.text();
        expect(response.status, `${target} → ${answer.slice(0, 300)}`).toBeLessThan(500);
        if (response.status >= 400) expect(answer.length).toBeLessThan(maxErrorShape * 2);
      }),
      { numRuns: runsPerProcedure * 10 },
    );
  });
});

describe("fuzz: the REST routes' query strings", () => {
  const names = fc.oneof(
    fc.constantFrom("team", "month", "actorId", "action", "subjectType", "teamId", "correlationId", "from", "to"),
    fc.string({ maxLength: 12 }),
  );
  const values = fc.oneof(
    fc.constantFrom(
      "all",
      "2025-01",
      "2999-99",
      "team.created",
      "request.*",
      "system",
      "2025-01-01",
      "2025-01-01T00:00:00Z",
      "%00",
      "\u0000",
      "a".repeat(3_000),
    ),
    fc.nat().map((i) => pool.uuids[i % pool.uuids.length]!), // read when generated: the pool fills in beforeAll
    fc.string({ unit: "binary", maxLength: 40 }),
  );
  const query = fc.array(fc.tuple(names, values), { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString());

  it.each(["audit", "costs"] as const)("/api/%s/export never answers 5xx", async (route) => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...personas), query, async (persona, search) => {
        stats.rest++;
        const request = new Request(`http://localhost/api/${route}/export?${search}`);
        const deps = { db, viewer: viewers[persona] };
        const response = route === "audit" ? await auditExportResponse(request, deps) : await costExportResponse(request, deps);
        const body = await response.text();
        expect(response.status, `${route}?${search} → ${body.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) expect(body.length).toBeLessThan(maxErrorShape);
      }),
      { numRuns: runsPerProcedure },
    );
  });
});
