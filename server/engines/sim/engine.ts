/**
 * The `sim` engine: Provisio's Engine interface over the simulated cloud's API (./cloud). It
 * resolves nothing itself (the runner resolves references); it creates with the resource's
 * idempotency key and tags, so a retried or resumed apply adopts what an earlier attempt made;
 * it checks every answer the cloud gives, and says of every failure whether retrying can help.
 */
import { z } from "zod";
import { connect, type Database } from "~/db/client";
import { envVar } from "~/server/env";
import {
  EngineError,
  planByAddress,
  type ActualResource,
  type DesiredResource,
  type Engine,
  type EngineContext,
  type PlannedChange,
} from "../engine";
import { DEFAULT_SIM_ACCOUNT, SimCloud, SimCloudError, isSimCloudError, kinds, stableJson, type SimConfigInput, type SimResource } from "./cloud";
import { sleep } from "./cloud/cloud";
import { takeArmedFault } from "./armed-faults";
import { simResourceTypes } from "./resource-types";

export type SimEngineOptions = {
  /** The database holding the simulator's tables (a function: connected on first use). */
  db: Database | (() => Database);
  /** The cloud account resources are made in; default PROVISIO_SIM_ACCOUNT or "provisio-demo". */
  account?: string;
  /** A configuration layer for the cloud (tests: `quietSimConfig`); faults switch at runtime with `cloud.configure`. */
  config?: SimConfigInput;
  /** Wait in apply until the resource is running (instances boot), as Terraform does. Default true. */
  waitForReady?: boolean;
  random?: () => number;
};

export type SimEngine = Engine & { readonly cloud: SimCloud };

/** Properties as the cloud stores them (defaults filled in), so a plan compares like with like. */
function normalized(desired: DesiredResource): DesiredResource {
  const parsed = simResourceTypes[desired.type]?.properties.safeParse(desired.properties);
  return parsed?.success ? { ...desired, properties: parsed.data } : desired;
}

export function simPlan(desired: readonly DesiredResource[], existing: readonly ActualResource[]): PlannedChange[] {
  return planByAddress(desired.map(normalized), existing);
}

const states = ["pending", "running", "available", "degraded", "deleted", "reclaimed"] as const;

/** The shape of a sane answer for a resource type (built once per type: zod compiles a schema on its first parse). */
const answerShapes = new Map<string, z.ZodType>();
function answerShape(type: string): z.ZodType {
  let shape = answerShapes.get(type);
  if (!shape) {
    const kind = kinds[type];
    shape = z.object({
      id: z.string().regex(new RegExp(`^${kind?.prefix ?? "[a-z]+"}-[0-9a-f]{17}$`), `is not an id of a ${type}`),
      type: z.literal(type, { error: `is not ${type}` }),
      properties: z.record(z.string(), z.unknown(), { error: "is missing" }),
      attributes: z.record(z.string(), z.unknown(), { error: "is missing" }),
      tags: z.record(z.string(), z.string(), { error: "is not a map of strings" }),
      state: z.enum(states, { error: "is not a state the cloud has" }),
      idempotencyKey: z.string().nullable(),
    });
    // Known types only: an unknown one (a garbled answer) is checked once and not kept.
    if (kind) answerShapes.set(type, shape);
  }
  return shape;
}

/** What a sane answer from the cloud looks like; anything else is a permanent error. */
function checkAnswer(resource: SimResource, expected: { type: string; idempotencyKey?: string; id?: string }, address: string): SimResource {
  const result = answerShape(expected.type).safeParse(resource);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
  if (result.success) {
    if (expected.id && resource.id !== expected.id) problems.push(`id ${resource.id} is not the ${expected.id} asked for`);
    if (expected.idempotencyKey !== undefined && resource.idempotencyKey !== expected.idempotencyKey)
      problems.push(`idempotencyKey ${JSON.stringify(resource.idempotencyKey)} is not the key sent`);
    if (resource.attributes.id !== resource.id) problems.push("attributes.id does not match the id");
  }
  if (problems.length) {
    throw new EngineError("permanent", `${address}: the simulator answered something that makes no sense (${problems.join("; ")})`, {
      address,
      code: "InvalidEngineResponse",
    });
  }
  return resource;
}

const isLive = (r: SimResource) => r.state !== "deleted" && r.state !== "reclaimed";

/** `<environment id>/<address>` → address; resources made without one go by their id. */
function addressOf(resource: SimResource, environmentId = resource.tags["environment-id"]): string {
  const key = resource.idempotencyKey;
  if (!key) return resource.id;
  if (environmentId && key.startsWith(`${environmentId}/`)) return key.slice(environmentId.length + 1);
  const slash = key.indexOf("/");
  return slash >= 0 ? key.slice(slash + 1) : key;
}

/**
 * The cloud's answer as Provisio sees it. Secrets go to `sensitive`. A pool reports the
 * capacity it really has: when spot instances were reclaimed, its size is the live count, so
 * a plan against it shows the update that brings it back.
 */
export function toActual(resource: SimResource, environmentId?: string): ActualResource {
  const secretNames = new Set(simResourceTypes[resource.type]?.sensitiveAttributes ?? []);
  const attributes: Record<string, unknown> = {};
  const sensitive: Record<string, string> = {};
  for (const [name, value] of Object.entries(resource.attributes)) {
    if (secretNames.has(name)) sensitive[name] = String(value);
    else attributes[name] = value;
  }
  const pool = kinds[resource.type]?.pool;
  const ids = pool ? resource.attributes[pool.idsAttribute] : undefined;
  const properties =
    pool && resource.state === "degraded" && Array.isArray(ids) ? { ...resource.properties, [pool.sizeField]: ids.length } : resource.properties;
  return {
    address: addressOf(resource, environmentId),
    type: resource.type,
    providerId: resource.id,
    properties,
    attributes,
    sensitive,
    tags: resource.tags,
    idempotencyKey: resource.idempotencyKey ?? "",
    status: resource.state === "pending" ? "pending" : isLive(resource) ? "ready" : "failed",
  };
}

const transientPgCodes = /^(08|53|57P|40001|40P01)/;
const transientNodeCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

/** Every failure as an EngineError: the cloud's own verdict, or unreachable (transient), or a bug (permanent). */
export function toEngineError(error: unknown, address: string | undefined, signal?: AbortSignal): unknown {
  if (error instanceof EngineError) return error;
  if (signal?.aborted) return error;
  const where = address ? `${address}: ` : "";
  if (error instanceof SimCloudError) {
    return new EngineError(error.kind, `${where}${error.message}`, { retryAfterMs: error.retryAfterMs, address, code: error.code });
  }
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? "");
    if (
      transientPgCodes.test(code) ||
      transientNodeCodes.has(code) ||
      /Connection terminated|timeout exceeded when trying to connect/i.test((e as Error).message ?? "")
    ) {
      return new EngineError("transient", `${where}the simulator's API is unreachable (${(e as Error).message}); try again`, {
        address,
        code: "Unavailable",
      });
    }
  }
  return new EngineError("permanent", `${where}the simulator failed: ${(error as Error)?.message ?? String(error)}`, {
    address,
    code: "InternalFailure",
  });
}

export function createSimEngine(options: SimEngineOptions): SimEngine {
  // Looked up on each use, not kept from the first: the process engine's handle follows DATABASE_URL
  // (connect() keeps one pool per URL), so it never holds on to a pool that was ended since.
  const database = () => (typeof options.db === "function" ? options.db() : options.db);
  let cloud: SimCloud | undefined;
  const getCloud = () => {
    const db = database();
    const account = options.account ?? envVar("PROVISIO_SIM_ACCOUNT") ?? DEFAULT_SIM_ACCOUNT;
    if (cloud?.db !== db || cloud.account !== account) cloud = new SimCloud({ db, account, config: options.config, random: options.random });
    return cloud;
  };
  const waitForReady = options.waitForReady ?? true;

  async function waitUntilReady(ctx: EngineContext, resource: SimResource, desired: DesiredResource): Promise<SimResource> {
    let current = resource;
    let told = false;
    while (current.state === "pending") {
      if (!told) {
        await ctx.log({
          level: "info",
          message: `${desired.address}: ${current.id} is ${current.type === "instance" || kinds[current.type]?.pool ? "booting" : "being set up"} (about ${Math.max(1, Math.round(current.readyInMs / 1000))} s)`,
          address: desired.address,
        });
        told = true;
      }
      await sleep(Math.min(Math.max(current.readyInMs, 25), 5_000), ctx.signal);
      current = checkAnswer(await getCloud().get(current.id, { signal: ctx.signal }), { type: desired.type, id: current.id }, desired.address);
    }
    if (!isLive(current)) {
      throw new EngineError("transient", `${desired.address}: ${current.id} was ${current.state} while it was starting; it will be created again`, {
        address: desired.address,
        code: "ResourceVanished",
      });
    }
    return current;
  }

  const engine: SimEngine = {
    name: "sim",
    get cloud() {
      return getCloud();
    },

    plan: simPlan,

    async apply(ctx, wanted, existing) {
      const desired = normalized(wanted);
      const call = { signal: ctx.signal };
      const api = getCloud();
      if (await takeArmedFault(database(), ctx.environmentId))
        throw new EngineError("permanent", `${desired.address}: a failure an admin forced for this environment's next change (simulator)`, {
          address: desired.address,
          code: "ForcedFailure",
        });
      try {
        let resource: SimResource | null = null;
        if (existing?.providerId) {
          const current = await api.get(existing.providerId, call).catch((e: unknown) => {
            if (isSimCloudError(e, "NotFound")) return null;
            throw e;
          });
          if (current && isLive(current)) resource = checkAnswer(current, { type: desired.type, id: existing.providerId }, desired.address);
        }
        if (!resource) {
          try {
            const { resource: answer, created } = await api.create(
              { type: desired.type, properties: desired.properties, tags: desired.tags, idempotencyKey: desired.idempotencyKey },
              call,
            );
            resource = checkAnswer(answer, { type: desired.type, idempotencyKey: desired.idempotencyKey }, desired.address);
            if (!created)
              await ctx.log({
                level: "info",
                message: `${desired.address}: adopted ${resource.id}, made by an earlier attempt`,
                address: desired.address,
              });
          } catch (error) {
            // The key already holds a resource of this type with other properties (the desired
            // state moved on since it was made): adopt it and update it below.
            if (!isSimCloudError(error, "IdempotencyConflict") || !error.details.existingId) throw error;
            const holder = await api.get(error.details.existingId, call);
            if (holder.type !== desired.type) throw error;
            resource = checkAnswer(holder, { type: desired.type, idempotencyKey: desired.idempotencyKey }, desired.address);
            await ctx.log({
              level: "info",
              message: `${desired.address}: adopted ${resource.id}, made by an earlier attempt with other properties; updating it`,
              address: desired.address,
            });
          }
        }
        const differs = stableJson(resource.properties) !== stableJson(desired.properties) || stableJson(resource.tags) !== stableJson(desired.tags);
        if (differs || resource.state === "degraded") {
          resource = checkAnswer(
            await api.update(resource.id, { properties: desired.properties, tags: desired.tags }, call),
            { type: desired.type, id: resource.id },
            desired.address,
          );
        }
        if (waitForReady) resource = await waitUntilReady(ctx, resource, desired);
        return { ...toActual(resource), address: desired.address };
      } catch (error) {
        throw toEngineError(error, desired.address, ctx.signal);
      }
    },

    async destroy(ctx, resource) {
      const api = getCloud();
      try {
        let id = resource.providerId;
        if (!id) {
          if (!resource.idempotencyKey) return;
          const found = await api.findByIdempotencyKey(resource.idempotencyKey, { signal: ctx.signal });
          if (!found) return;
          id = checkAnswer(found, { type: resource.type, idempotencyKey: resource.idempotencyKey }, resource.address).id;
        }
        const { deleted } = await api.delete(id, { signal: ctx.signal });
        if (!deleted) await ctx.log({ level: "info", message: `${resource.address}: ${id} was already gone`, address: resource.address });
      } catch (error) {
        throw toEngineError(error, resource.address, ctx.signal);
      }
    },

    async read(ctx) {
      try {
        const found = await getCloud().list({ tags: { "environment-id": ctx.environmentId } }, { signal: ctx.signal });
        return found.map((r) =>
          toActual(
            checkAnswer(r, { type: typeof r.type === "string" && kinds[r.type] ? r.type : "(a known type)" }, r.idempotencyKey ?? r.id),
            ctx.environmentId,
          ),
        );
      } catch (error) {
        throw toEngineError(error, undefined, ctx.signal);
      }
    },
  };
  return engine;
}

/** The process's sim engine, on DATABASE_URL (connected on first use). Tests and the worker may build their own with createSimEngine. */
export const simEngine: SimEngine = createSimEngine({
  db: () => {
    let url: string;
    try {
      url = envVar("DATABASE_URL");
    } catch (error) {
      throw new EngineError(
        "permanent",
        `the sim engine needs DATABASE_URL (the simulator keeps its inventory in Provisio's database): ${(error as Error).message}`,
        { code: "NotConfigured" },
      );
    }
    return connect(url).db;
  },
});
