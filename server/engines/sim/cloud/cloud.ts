/**
 * The simulated cloud API. It keeps its inventory in its own tables (sim_resources), apart from
 * the portal's records, and behaves like a cloud provider's control plane: every call takes
 * time, draws from a per-account rate limit shared by every process, may hit an injected fault,
 * and is checked against the resource type's schema, the account's quotas and the resources it
 * refers to. Creates are idempotent by key: the same key answers the resource it already made.
 *
 * Call order: latency → rate limit → region outage → error rate → validation and the change
 * (one transaction) → lost response → malformed answer.
 */
import { and, asc, eq, getTableColumns, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Database, Executor } from "~/db/client";
import { simRateLimits, simResources, simSettings, type SimResourceRow } from "~/db/schema";
import { isReference } from "../../properties";
import { instanceSpecs } from "../instance-types";
import { simResourceTypes } from "../resource-types";
import { generateAttributes, instanceAttributes, parseCidr } from "./attributes";
import {
  configFromEnv,
  mergeConfig,
  parseConfigLayer,
  quotaFor,
  rateFor,
  resolveConfig,
  type Operation,
  type SimConfig,
  type SimConfigInput,
} from "./config";
import { SimCloudError } from "./errors";
import { kinds, newProviderId, referencedIds, typeOfProviderId, type Kind } from "./kinds";

export const DEFAULT_SIM_ACCOUNT = "provisio-demo";

/**
 * pending: booting (until ready_at); running (instances, pools) or available (everything else):
 * ready; degraded: a pool with fewer live members than its size (spot instances reclaimed);
 * deleted; reclaimed: a spot instance the cloud took back.
 */
export type SimState = "pending" | "running" | "available" | "degraded" | "deleted" | "reclaimed";

export type SimResource = {
  id: string;
  account: string;
  region: string | null;
  type: string;
  /** The pool an instance belongs to. */
  parentId: string | null;
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
  tags: Record<string, string>;
  idempotencyKey: string | null;
  state: SimState;
  /** Pending → running happens at readyAt; this is how long is left (0 when ready). */
  readyInMs: number;
  spot: boolean;
  createdAt: Date;
  updatedAt: Date;
  readyAt: Date | null;
  deletedAt: Date | null;
};

export type CreateInput = {
  type: string;
  properties: Record<string, unknown>;
  tags?: Record<string, string>;
  /** Unique among the account's live resources; a create with a key already used answers that resource. */
  idempotencyKey?: string;
};

export type ListFilter = {
  /** Resources carrying all these tags (a GIN index lookup). */
  tags?: Record<string, string>;
  type?: string;
  region?: string;
  /** Instances that belong to a pool are left out unless asked for. */
  includeMembers?: boolean;
};

export type CallOptions = { account?: string; signal?: AbortSignal };

export type SimCloudOptions = {
  db: Database;
  /** The account calls use when they do not name one. */
  account?: string;
  /** A configuration layer above PROVISIO_SIM_FAULTS and below the runtime settings row. */
  config?: SimConfigInput;
  /** Randomness for jitter and faults (tests pass a seeded one). */
  random?: () => number;
};

export type QuotaUsage = {
  account: string;
  region: string;
  usage: { vcpus: number; instances: number; gpus: number };
  limits: { vcpus: number; instances: number; gpus: number };
};

const RUNTIME_SETTINGS = "runtime";
const accountPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const quotaNames = { vcpus: "vCPU", instances: "instance", gpus: "GPU" } as const;

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(abortError(signal)) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const abortError = (signal?: AbortSignal) => (signal?.reason instanceof Error ? signal.reason : new Error("aborted"));

/** JSON with sorted keys, so equal objects compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const columns = getTableColumns(simResources);
const selection = {
  ...columns,
  readyInMs: sql<number>`coalesce(greatest(0, ceil(extract(epoch from (${simResources.readyAt} - clock_timestamp())) * 1000)), 0)::int`,
};
type SelectedRow = SimResourceRow & { readyInMs: number };

export class SimCloud {
  readonly db: Database;
  readonly account: string;
  private readonly layer: SimConfigInput | undefined;
  private readonly random: () => number;

  constructor(options: SimCloudOptions) {
    this.db = options.db;
    this.account = options.account ?? DEFAULT_SIM_ACCOUNT;
    if (!accountPattern.test(this.account)) throw new Error(`sim account "${this.account}": lowercase letters, digits and '-', at most 63`);
    this.layer = options.config ? parseConfigLayer(options.config, "SimCloud options.config") : undefined;
    this.random = options.random ?? Math.random;
  }

  // ───────────── configuration ─────────────

  /** The configuration in force now: defaults < PROVISIO_SIM_FAULTS < constructor options < runtime row. */
  async config(): Promise<SimConfig> {
    const [row] = await this.db.select({ config: simSettings.config }).from(simSettings).where(eq(simSettings.name, RUNTIME_SETTINGS));
    return resolveConfig(configFromEnv(), this.layer, row?.config as SimConfigInput | undefined);
  }

  /**
   * Changes the runtime configuration for every process using this database, from the next call
   * on. Merges into what is there (`replace: true` starts from nothing). Validated: a bad value
   * throws naming the field.
   */
  async configure(change: SimConfigInput, options: { replace?: boolean } = {}): Promise<SimConfig> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(simSettings).where(eq(simSettings.name, RUNTIME_SETTINGS)).for("update");
      const next = options.replace || !row ? change : (mergeConfig(row.config, change) as SimConfigInput);
      parseConfigLayer(next, "sim configuration");
      await tx
        .insert(simSettings)
        .values({ name: RUNTIME_SETTINGS, config: next as Record<string, unknown> })
        .onConflictDoUpdate({ target: simSettings.name, set: { config: next as Record<string, unknown>, updatedAt: new Date() } });
    });
    return this.config();
  }

  /** Drops the runtime configuration (faults off, back to env and constructor settings) and refills the rate-limit buckets. */
  async resetConfig(): Promise<void> {
    await this.db.delete(simSettings).where(eq(simSettings.name, RUNTIME_SETTINGS));
    await this.db.delete(simRateLimits);
  }

  // ───────────── the API ─────────────

  async create(input: CreateInput, options: CallOptions = {}): Promise<{ resource: SimResource; created: boolean }> {
    const { config, account } = await this.begin("create", options);
    const { kind, properties } = this.validate(input.type, input.properties);
    const tags = validateTags(input.tags ?? {});
    const region = kind.regional ? String(properties.region) : null;
    if (
      input.idempotencyKey !== undefined &&
      (typeof input.idempotencyKey !== "string" || !input.idempotencyKey || input.idempotencyKey.length > 512)
    ) {
      throw new SimCloudError("InvalidParameter", "idempotencyKey: must be a non-empty string of at most 512 characters", {
        field: "idempotencyKey",
      });
    }
    this.checkRegion(config, region);
    this.injectError(config, "create");

    const outcome = await this.db.transaction(async (tx) => {
      if (input.idempotencyKey) {
        await advisoryLock(tx, `key:${account}:${input.idempotencyKey}`);
        const [existing] = await tx
          .select()
          .from(simResources)
          .where(and(eq(simResources.account, account), eq(simResources.idempotencyKey, input.idempotencyKey), isNull(simResources.deletedAt)));
        if (existing) {
          assertSameRequest(existing, input.type, properties, input.idempotencyKey);
          return { id: existing.id, created: false };
        }
      }
      this.checkCapacity(config, input.type, properties, region);
      const id = newProviderId(input.type);
      const targets = await this.checkReferences(tx, account, input.type, region, properties);
      await this.checkTypeRules(tx, account, id, input.type, properties, targets);
      const attributes = generateAttributes({ id, type: input.type, account, region, properties, targets });
      const usage = input.type === "instance" ? usageOf(properties, 1) : kind.pool ? usageOf(properties, memberCount(kind, properties)) : null;
      if (usage && region) await this.checkQuota(tx, config, account, region, usage);
      await tx.insert(simResources).values({
        id,
        account,
        region,
        type: input.type,
        properties,
        attributes,
        tags,
        idempotencyKey: input.idempotencyKey ?? null,
        refs: [...new Set(referencedIds(input.type, properties).flatMap((r) => r.ids))],
        spot: properties.spot === true,
        ...(input.type === "instance" ? usageOf(properties, 1) : {}),
        readyAt: readyAt(config, input.type),
      });
      if (kind.pool)
        await this.addMembers(
          tx,
          config,
          { id, account, region: region ?? "", type: input.type, properties, tags },
          memberCount(kind, properties),
          targets,
        );
      return { id, created: true };
    });

    this.loseResponse(config, "create", outcome.created ? `created ${outcome.id}` : `found ${outcome.id}`);
    const resource = await this.fetch(outcome.id);
    return { resource: this.garble(config, "create", resource), created: outcome.created };
  }

  /** A resource in any state (deleted and reclaimed ones too); NotFound when the account never had it. */
  async get(id: string, options: CallOptions = {}): Promise<SimResource> {
    const { config, account } = await this.begin("get", options);
    const row = await this.row(id, account);
    if (!row) throw new SimCloudError("NotFound", `${describeId(id)} does not exist in account ${account}`);
    this.checkRegion(config, row.region);
    this.injectError(config, "get");
    await this.reclaimOnRead(config, account, [row]);
    return this.garble(config, "get", await this.fetch(id));
  }

  /** The live resource holding an idempotency key, or null. */
  async findByIdempotencyKey(idempotencyKey: string, options: CallOptions = {}): Promise<SimResource | null> {
    const { config, account } = await this.begin("get", options);
    const [row] = await this.db
      .select(selection)
      .from(simResources)
      .where(and(eq(simResources.account, account), eq(simResources.idempotencyKey, idempotencyKey), isNull(simResources.deletedAt)));
    if (!row) return null;
    this.checkRegion(config, row.region);
    this.injectError(config, "get");
    await this.reclaimOnRead(config, account, [row]);
    return this.garble(config, "get", await this.fetch(row.id));
  }

  /**
   * Replaces the properties (validated; immutable ones may not change) and/or the tags. A pool
   * is reconciled to its size every time: members added or removed, reclaimed ones replaced,
   * all replaced when the instance type changes. An instance whose type changes reboots.
   */
  async update(
    id: string,
    change: { properties?: Record<string, unknown>; tags?: Record<string, string> },
    options: CallOptions = {},
  ): Promise<SimResource> {
    const { config, account } = await this.begin("update", options);
    const current = await this.row(id, account);
    if (!current || current.deletedAt)
      throw new SimCloudError("NotFound", `${describeId(id)} does not exist in account ${account}${current ? " (deleted)" : ""}`);
    const { kind, properties } = change.properties
      ? this.validate(current.type, change.properties)
      : { kind: kinds[current.type] as Kind, properties: current.properties };
    const tags = change.tags ? validateTags(change.tags) : current.tags;
    for (const field of kind.immutable) {
      if (stableJson(properties[field]) !== stableJson(current.properties[field])) {
        throw new SimCloudError(
          "ImmutableProperty",
          `properties.${field}: a ${current.type}'s ${field} cannot change in place (${stableJson(current.properties[field])} → ${stableJson(properties[field])}); replace the resource`,
          { field: `properties.${field}` },
        );
      }
    }
    this.checkRegion(config, current.region);
    this.injectError(config, "update");
    const typeChanged = properties.instance_type !== current.properties.instance_type;
    const grows = kind.pool !== undefined && memberCount(kind, properties) > memberCount(kind, current.properties);
    if (typeChanged || grows) this.checkCapacity(config, current.type, properties, current.region);

    await this.db.transaction(async (tx) => {
      await advisoryLock(tx, `resource:${id}`);
      const [row] = await tx.select().from(simResources).where(eq(simResources.id, id)).for("update");
      if (!row || row.deletedAt) throw new SimCloudError("NotFound", `${describeId(id)} was deleted meanwhile`);
      const region = row.region;
      const targets = await this.checkReferences(tx, account, row.type, region, properties);
      await this.checkTypeRules(tx, account, id, row.type, properties, targets);
      const attributes = generateAttributes({ id, type: row.type, account, region, properties, targets, previous: row.attributes });
      const set: PgUpdateSetSource<typeof simResources> = {
        properties,
        tags,
        attributes,
        refs: [...new Set(referencedIds(row.type, properties).flatMap((r) => r.ids))],
        updatedAt: new Date(),
      };
      if (row.type === "instance") {
        const usage = usageOf(properties, 1);
        if (region) await this.checkQuota(tx, config, account, region, minus(usage, row));
        Object.assign(set, usage);
        if (typeChanged) set.readyAt = readyAt(config, "instance");
      }
      await tx.update(simResources).set(set).where(eq(simResources.id, id));
      if (kind.pool && region) await this.reconcilePool(tx, config, { id, account, region, type: row.type, properties, tags }, typeChanged, targets);
      else if (change.tags)
        await tx
          .update(simResources)
          .set({ tags })
          .where(and(eq(simResources.parentId, id), isNull(simResources.deletedAt)));
    });

    this.loseResponse(config, "update", `updated ${id}`);
    return this.garble(config, "update", await this.fetch(id));
  }

  /**
   * Deletes a resource (a pool with its members). Deleting what is already gone, or never was,
   * succeeds with `deleted: false`. A resource others still use fails with a transient
   * DependencyViolation naming them (they may be on their way out).
   */
  async delete(id: string, options: CallOptions = {}): Promise<{ deleted: boolean }> {
    const { config, account } = await this.begin("delete", options);
    const current = await this.row(id, account);
    if (!current || current.deletedAt) return { deleted: false };
    this.checkRegion(config, current.region);
    this.injectError(config, "delete");
    const deleted = await this.db.transaction(async (tx) => {
      await advisoryLock(tx, `resource:${id}`);
      const [row] = await tx.select().from(simResources).where(eq(simResources.id, id)).for("update");
      if (!row || row.deletedAt) return false;
      const users = await tx
        .select({ id: simResources.id, type: simResources.type, properties: simResources.properties })
        .from(simResources)
        .where(and(eq(simResources.account, account), isNull(simResources.deletedAt), sql`${id} = any(${simResources.refs})`));
      const blocking = users.filter((u) => referencedIds(u.type, u.properties).some((r) => r.spec.blocking && r.ids.includes(id)));
      if (blocking.length) {
        throw new SimCloudError(
          "DependencyViolation",
          `${describeId(id)} is still used by ${blocking.map((u) => `${u.id} (${u.type})`).join(", ")}; delete those first`,
        );
      }
      const now = sql`clock_timestamp()`;
      await tx.update(simResources).set({ status: "deleted", deletedAt: now, updatedAt: new Date() }).where(eq(simResources.id, id));
      await tx
        .update(simResources)
        .set({ status: "deleted", deletedAt: now, updatedAt: new Date() })
        .where(and(eq(simResources.parentId, id), isNull(simResources.deletedAt)));
      return true;
    });
    this.loseResponse(config, "delete", `deleted ${id}`);
    return { deleted };
  }

  /**
   * Live resources of the account matching the filter. Refused (transient) while a region that
   * holds any of them is down: a partial answer would make live resources look gone.
   */
  async list(filter: ListFilter = {}, options: CallOptions = {}): Promise<SimResource[]> {
    const { config, account } = await this.begin("list", options);
    if (filter.region) this.checkRegion(config, filter.region);
    this.injectError(config, "list");
    const query = () =>
      this.db
        .select(selection)
        .from(simResources)
        .where(this.filterWhere(account, filter, false))
        .orderBy(asc(simResources.createdAt), asc(simResources.id));
    let rows = await query();
    const down = [...new Set(rows.map((r) => r.region).filter((r): r is string => r !== null && config.faults.regionOutages.includes(r)))];
    if (down.length) {
      throw new SimCloudError(
        "ServiceUnavailable",
        `cannot list resources: region ${down.join(", ")} is unavailable (simulated outage); try again later`,
      );
    }
    if (await this.reclaimOnRead(config, account, rows)) rows = await query();
    return (await this.hydrate(rows)).map((r) => this.garble(config, "list", r));
  }

  // ───────────── administration: no latency, no rate limit, no faults ─────────────

  /**
   * The inventory as it is, for tests, the bench and orphan/duplicate checks. `account: null`
   * spans every account; deleted and reclaimed resources only when asked.
   */
  async inventory(filter: ListFilter & { account?: string | null; includeDeleted?: boolean } = {}): Promise<SimResource[]> {
    const rows = await this.db
      .select(selection)
      .from(simResources)
      .where(this.filterWhere(filter.account === undefined ? this.account : filter.account, filter, filter.includeDeleted ?? false))
      .orderBy(asc(simResources.createdAt), asc(simResources.id));
    return this.hydrate(rows);
  }

  /** What the account uses against its quotas, per region (every region it has instances in, or the one asked). */
  async quotaUsage(options: { account?: string; region?: string } = {}): Promise<QuotaUsage[]> {
    const account = options.account ?? this.account;
    const config = await this.config();
    const rows = await this.db
      .select({
        region: simResources.region,
        vcpus: sql<number>`coalesce(sum(${simResources.vcpus}), 0)::int`,
        instances: sql<number>`coalesce(sum(${simResources.instances}), 0)::int`,
        gpus: sql<number>`coalesce(sum(${simResources.gpus}), 0)::int`,
      })
      .from(simResources)
      .where(
        and(
          eq(simResources.account, account),
          isNull(simResources.deletedAt),
          options.region ? eq(simResources.region, options.region) : sql`${simResources.region} is not null`,
        ),
      )
      .groupBy(simResources.region);
    const regions = options.region ? [options.region] : rows.map((r) => r.region as string);
    return regions.sort().map((region) => {
      const row = rows.find((r) => r.region === region);
      return {
        account,
        region,
        usage: { vcpus: row?.vcpus ?? 0, instances: row?.instances ?? 0, gpus: row?.gpus ?? 0 },
        limits: quotaFor(config, account, region),
      };
    });
  }

  /**
   * Takes spot capacity back, as a cloud does at short notice: marks spot instances (members of
   * spot pools, and standalone spot instances) reclaimed. Picks `count` of them, or a `fraction`
   * (rounded up), or all; optionally only one pool's, or the given ids. Returns the ids reclaimed.
   * The pool then reports fewer instances (state degraded) until an update replaces them.
   */
  async reclaimSpot(options: { account?: string; poolId?: string; ids?: string[]; count?: number; fraction?: number } = {}): Promise<string[]> {
    const account = options.account ?? this.account;
    const candidates = await this.db
      .select({ id: simResources.id })
      .from(simResources)
      .where(
        and(
          eq(simResources.account, account),
          eq(simResources.type, "instance"),
          eq(simResources.spot, true),
          isNull(simResources.deletedAt),
          options.poolId ? eq(simResources.parentId, options.poolId) : undefined,
          options.ids ? inArray(simResources.id, options.ids.length ? options.ids : [""]) : undefined,
        ),
      )
      .orderBy(asc(simResources.id));
    const shuffled = candidates.map((c) => c.id);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const take = options.count ?? (options.fraction !== undefined ? Math.ceil(options.fraction * shuffled.length) : shuffled.length);
    const chosen = shuffled.slice(0, Math.max(0, take));
    if (!chosen.length) return [];
    await this.db
      .update(simResources)
      .set({
        status: "reclaimed",
        deletedAt: sql`clock_timestamp()`,
        updatedAt: new Date(),
        attributes: sql`${simResources.attributes} || '{"state_reason":"Server.SpotInstanceTermination: spot capacity reclaimed"}'::jsonb`,
      })
      .where(and(inArray(simResources.id, chosen), isNull(simResources.deletedAt)));
    return chosen.sort();
  }

  // ───────────── the pipeline every call goes through ─────────────

  private async begin(operation: Operation, options: CallOptions): Promise<{ config: SimConfig; account: string }> {
    options.signal?.throwIfAborted();
    const account = options.account ?? this.account;
    if (!accountPattern.test(account))
      throw new SimCloudError("InvalidParameter", `account "${account}": lowercase letters, digits and '-', at most 63`, { field: "account" });
    const config = await this.config();
    const jitter = config.latency.jitterMs > 0 ? Math.round(this.random() * config.latency.jitterMs) : 0;
    const delay = config.latency.baseMs + jitter + rateFor(config.faults.extraLatencyMs, operation);
    await sleep(delay, options.signal);
    if (config.rateLimit) await this.takeToken(account, config.rateLimit);
    return { config, account };
  }

  /**
   * One token from the account's bucket, atomically in SQL so every process shares it: refill by
   * the time elapsed, take one if there is one, else answer RateLimited with the wait for the next.
   */
  private async takeToken(account: string, limit: NonNullable<SimConfig["rateLimit"]>): Promise<void> {
    const attempt = () =>
      this.db.execute<{ available: number }>(sql`
        with locked as (
          select tokens, updated_at from ${simRateLimits} where account = ${account} for update
        ), refilled as (
          select least(${limit.burst}::float8, tokens + greatest(0, extract(epoch from clock_timestamp() - updated_at)) * ${limit.perSecond}::float8) as available from locked
        ), taken as (
          update ${simRateLimits} set
            tokens = (select case when available >= 1 then available - 1 else available end from refilled),
            updated_at = clock_timestamp()
          where account = ${account}
          returning 1
        )
        select available from refilled, (select count(*) from taken) t`);
    let result = await attempt();
    if (!result.rows.length) {
      await this.db.insert(simRateLimits).values({ account, tokens: limit.burst }).onConflictDoNothing();
      result = await attempt();
    }
    const available = Number(result.rows[0]?.available ?? limit.burst);
    if (available < 1) {
      const retryAfterMs = Math.max(1, Math.ceil(((1 - available) / limit.perSecond) * 1000));
      throw new SimCloudError(
        "RateLimited",
        `rate limit exceeded for account ${account} (${limit.perSecond}/s, burst ${limit.burst}); retry after ${retryAfterMs} ms`,
        { retryAfterMs },
      );
    }
  }

  private checkRegion(config: SimConfig, region: string | null) {
    if (region && config.faults.regionOutages.includes(region)) {
      throw new SimCloudError("ServiceUnavailable", `region ${region} is unavailable (simulated outage); try again later`);
    }
  }

  private injectError(config: SimConfig, operation: Operation) {
    const rate = rateFor(config.faults.errorRate, operation);
    if (rate > 0 && this.random() < rate)
      throw new SimCloudError("InternalError", `internal error while handling ${operation} (injected fault, rate ${rate}); try again`);
  }

  private loseResponse(config: SimConfig, operation: Operation, what: string) {
    const rate = rateFor(config.faults.lostResponseRate, operation);
    if (rate > 0 && this.random() < rate) {
      throw new SimCloudError(
        "RequestTimeout",
        `the ${operation} request timed out after it took effect (${what}); retry it (injected fault, rate ${rate})`,
      );
    }
  }

  private checkCapacity(config: SimConfig, type: string, properties: Record<string, unknown>, region: string | null) {
    if (type !== "instance" && !kinds[type]?.pool) return;
    const short = config.faults.insufficientCapacity;
    const instanceType = String(properties.instance_type);
    const spot = properties.spot === true;
    if (short.includes(instanceType) || (spot && short.includes("spot"))) {
      throw new SimCloudError(
        "InsufficientInstanceCapacity",
        `there is not enough ${spot ? "spot " : ""}${instanceType} capacity in ${region} right now (simulated); try again later`,
      );
    }
  }

  /** An answer that makes no sense, as a buggy or confused API would give (faults.malformedRate). */
  private garble(config: SimConfig, operation: Operation, resource: SimResource): SimResource {
    const rate = rateFor(config.faults.malformedRate, operation);
    if (!(rate > 0 && this.random() < rate)) return resource;
    const variants: ((r: SimResource) => SimResource)[] = [
      (r) => ({ ...r, id: "" }),
      (r) => ({ ...r, type: "quantum_flux_capacitor" }),
      (r) => ({ ...r, idempotencyKey: `${r.idempotencyKey ?? ""}#someone-else` }),
      (r) => ({ ...r, properties: null as unknown as Record<string, unknown> }),
      (r) => ({ ...r, state: "exploded" as SimState }),
    ];
    const variant = variants[Math.floor(this.random() * variants.length)] ?? variants[0]!;
    return variant(structuredClone(resource));
  }

  // ───────────── validation ─────────────

  private validate(type: string, input: Record<string, unknown>): { kind: Kind; properties: Record<string, unknown> } {
    const definition = simResourceTypes[type];
    const kind = kinds[type];
    if (!definition || !kind) {
      throw new SimCloudError("UnknownResourceType", `type: the simulator has no resource type "${type}"; it has ${Object.keys(kinds).join(", ")}`, {
        field: "type",
      });
    }
    if (!input || typeof input !== "object" || Array.isArray(input))
      throw new SimCloudError("InvalidParameter", "properties: must be an object", { field: "properties" });
    const unresolved = findReference(input);
    if (unresolved) {
      throw new SimCloudError(
        "InvalidParameter",
        `properties.${unresolved.path}: holds an unresolved reference (${unresolved.ref}); resolve references before calling the cloud`,
        {
          field: `properties.${unresolved.path}`,
        },
      );
    }
    const parsed = definition.properties.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const keys = issue.code === "unrecognized_keys" ? (issue as { keys: string[] }).keys : [];
      const path = [...issue.path, ...keys.slice(0, 1)].join(".");
      const message = keys.length ? `is not a property of ${type} (it takes ${Object.keys(kindProperties(type)).join(", ")})` : issue.message;
      throw new SimCloudError("InvalidParameter", `properties.${path}: ${message}`, { field: `properties.${path}` });
    }
    return { kind, properties: parsed.data };
  }

  /** Every id the properties name must be a live resource of the right type, account and region. */
  private async checkReferences(tx: Executor, account: string, type: string, region: string | null, properties: Record<string, unknown>) {
    const wanted = referencedIds(type, properties);
    const ids = [...new Set(wanted.flatMap((w) => w.ids))];
    const rows = ids.length
      ? await tx
          .select()
          .from(simResources)
          .where(and(inArray(simResources.id, ids), eq(simResources.account, account)))
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const { spec, ids: refs } of wanted) {
      for (const ref of refs) {
        const field = `properties.${spec.field}`;
        const expected = spec.types.join(" or ");
        const refType = typeOfProviderId(ref);
        if (!refType)
          throw new SimCloudError(
            "InvalidReference",
            `${field}: ${JSON.stringify(ref)} is not the id of a ${expected} (${spec.types.map((t) => `${kinds[t]?.prefix}-…`).join(", ")})`,
            { field },
          );
        if (!spec.types.includes(refType))
          throw new SimCloudError("InvalidReference", `${field}: ${ref} is a ${refType}, not a ${expected}`, { field });
        const target = byId.get(ref);
        if (!target || target.deletedAt) {
          throw new SimCloudError(
            "InvalidReference",
            `${field}: ${expected} ${ref} does not exist${target ? " any more (deleted)" : ""} in account ${account}`,
            { field },
          );
        }
        if (region && target.region && target.region !== region) {
          throw new SimCloudError("InvalidReference", `${field}: ${ref} is in ${target.region}, not in ${region}`, { field });
        }
      }
    }
    return byId;
  }

  /** Rules of single types: a subnet inside its network and clear of its siblings, global bucket names, sensible DNS values. */
  private async checkTypeRules(
    tx: Executor,
    account: string,
    id: string,
    type: string,
    properties: Record<string, unknown>,
    targets: ReadonlyMap<string, SimResourceRow>,
  ) {
    if (type === "subnet") {
      const network = targets.get(String(properties.network));
      const own = parseCidr(String(properties.cidr));
      const outer = parseCidr(String(network?.properties.cidr));
      if (!own)
        throw new SimCloudError("InvalidParameter", `properties.cidr: ${String(properties.cidr)} is not a valid IPv4 block`, {
          field: "properties.cidr",
        });
      if (outer && (own.start < outer.start || own.end > outer.end)) {
        throw new SimCloudError(
          "InvalidParameter",
          `properties.cidr: ${String(properties.cidr)} is not inside network ${String(properties.network)} (${String(network?.properties.cidr)})`,
          { field: "properties.cidr" },
        );
      }
      await advisoryLock(tx, `network:${String(properties.network)}`);
      const siblings = await tx
        .select({ id: simResources.id, properties: simResources.properties })
        .from(simResources)
        .where(
          and(
            eq(simResources.account, account),
            eq(simResources.type, "subnet"),
            isNull(simResources.deletedAt),
            sql`${simResources.properties}->>'network' = ${String(properties.network)}`,
            sql`${simResources.id} <> ${id}`,
          ),
        );
      for (const sibling of siblings) {
        const other = parseCidr(String(sibling.properties.cidr));
        if (other && !(other.end < own.start || own.end < other.start)) {
          throw new SimCloudError(
            "InvalidParameter",
            `properties.cidr: ${String(properties.cidr)} overlaps subnet ${sibling.id} (${String(sibling.properties.cidr)})`,
            { field: "properties.cidr" },
          );
        }
      }
    }
    if (type === "bucket") {
      await advisoryLock(tx, `bucket:${String(properties.name)}`);
      const [taken] = await tx
        .select({ id: simResources.id })
        .from(simResources)
        .where(
          and(
            eq(simResources.type, "bucket"),
            isNull(simResources.deletedAt),
            sql`${simResources.properties}->>'name' = ${String(properties.name)}`,
            sql`${simResources.id} <> ${id}`,
          ),
        );
      if (taken)
        throw new SimCloudError(
          "AlreadyExists",
          `properties.name: the bucket name "${String(properties.name)}" is already taken (bucket names are global)`,
          { field: "properties.name" },
        );
    }
    if (type === "dns_record") {
      const value = String(properties.value);
      const ok =
        properties.record_type === "A"
          ? /^(\d{1,3}\.){3}\d{1,3}$/.test(value) && value.split(".").every((o) => Number(o) <= 255)
          : properties.record_type === "AAAA"
            ? /^[0-9a-f:]+$/i.test(value) && value.includes(":")
            : properties.record_type === "CNAME"
              ? /^([a-z0-9-]+\.)+[a-z0-9-]+\.?$/i.test(value)
              : value.length > 0 && value.length <= 255;
      if (!ok)
        throw new SimCloudError(
          "InvalidParameter",
          `properties.value: ${JSON.stringify(value)} is not a valid ${String(properties.record_type)} record value`,
          { field: "properties.value" },
        );
    }
  }

  private async checkQuota(
    tx: Executor,
    config: SimConfig,
    account: string,
    region: string,
    requested: { vcpus: number; instances: number; gpus: number },
  ) {
    if (requested.vcpus <= 0 && requested.instances <= 0 && requested.gpus <= 0) return;
    await advisoryLock(tx, `quota:${account}:${region}`);
    const [inUse] = await tx
      .select({
        vcpus: sql<number>`coalesce(sum(${simResources.vcpus}), 0)::int`,
        instances: sql<number>`coalesce(sum(${simResources.instances}), 0)::int`,
        gpus: sql<number>`coalesce(sum(${simResources.gpus}), 0)::int`,
      })
      .from(simResources)
      .where(and(eq(simResources.account, account), eq(simResources.region, region), isNull(simResources.deletedAt)));
    const limits = quotaFor(config, account, region);
    for (const name of ["instances", "vcpus", "gpus"] as const) {
      const used = inUse?.[name] ?? 0;
      if (requested[name] > 0 && used + requested[name] > limits[name]) {
        throw new SimCloudError(
          "QuotaExceeded",
          `${quotaNames[name]} quota exceeded for account ${account} in ${region}: the limit is ${limits[name]}, ${used} in use, this request needs ${requested[name]} more (${used + requested[name]} > ${limits[name]})`,
          { quota: { name, region, limit: limits[name], inUse: used, requested: requested[name] } },
        );
      }
    }
  }

  // ───────────── pools ─────────────

  private async addMembers(
    tx: Executor,
    config: SimConfig,
    pool: { id: string; account: string; region: string; type: string; properties: Record<string, unknown>; tags: Record<string, string> },
    count: number,
    targets: ReadonlyMap<string, SimResourceRow>,
    offset = 0,
  ) {
    if (count <= 0) return;
    const p = pool.properties;
    const subnets = (Array.isArray(p.subnets) ? p.subnets : [p.subnets]).map(String);
    const rows = Array.from({ length: count }, (_, i) => {
      const id = newProviderId("instance");
      const subnet = subnets[(offset + i) % subnets.length] ?? "";
      const properties = {
        region: pool.region,
        instance_type: p.instance_type,
        image: p.image ?? `k8s-${String(p.kubernetes_version ?? "node")}-node`,
        subnet,
        ...(p.security_group ? { security_group: p.security_group } : {}),
        disk_gb: p.disk_gb,
        disk_type: p.disk_type ?? "gp3",
        public_ip: false,
        spot: p.spot === true,
      };
      return {
        id,
        account: pool.account,
        region: pool.region,
        type: "instance",
        parentId: pool.id,
        properties,
        attributes: instanceAttributes(id, pool.region, targets.get(subnet), false),
        tags: pool.tags,
        spot: p.spot === true,
        ...usageOf(p, 1),
        readyAt: readyAt(config, pool.type),
      };
    });
    await tx.insert(simResources).values(rows);
  }

  /** Brings a pool's live members to its size (replacing all of them when the instance type changed). */
  private async reconcilePool(
    tx: Executor,
    config: SimConfig,
    pool: { id: string; account: string; region: string; type: string; properties: Record<string, unknown>; tags: Record<string, string> },
    replaceAll: boolean,
    targets: ReadonlyMap<string, SimResourceRow>,
  ) {
    const kind = kinds[pool.type] as Kind;
    const want = memberCount(kind, pool.properties);
    let members = await tx
      .select()
      .from(simResources)
      .where(and(eq(simResources.parentId, pool.id), isNull(simResources.deletedAt)))
      .orderBy(asc(simResources.createdAt), asc(simResources.id));
    const retire = async (ids: string[]) => {
      if (ids.length)
        await tx
          .update(simResources)
          .set({ status: "deleted", deletedAt: sql`clock_timestamp()`, updatedAt: new Date() })
          .where(inArray(simResources.id, ids));
    };
    if (replaceAll) {
      const held = members.reduce((sum, m) => ({ vcpus: sum.vcpus + m.vcpus, instances: sum.instances + m.instances, gpus: sum.gpus + m.gpus }), {
        vcpus: 0,
        instances: 0,
        gpus: 0,
      });
      await this.checkQuota(tx, config, pool.account, pool.region, minus(usageOf(pool.properties, want), held));
      await retire(members.map((m) => m.id));
      members = [];
    } else if (members.length > want) {
      await retire(members.slice(want).map((m) => m.id));
      members = members.slice(0, want);
    }
    const missing = want - members.length;
    if (missing > 0) {
      await this.checkQuota(tx, config, pool.account, pool.region, usageOf(pool.properties, missing));
      await this.addMembers(tx, config, pool, missing, targets, members.length);
    }
    await tx
      .update(simResources)
      .set({ tags: pool.tags })
      .where(and(eq(simResources.parentId, pool.id), isNull(simResources.deletedAt)));
  }

  /** faults.spotReclaim: each spot instance a read would report is first reclaimed with that probability. */
  private async reclaimOnRead(
    config: SimConfig,
    account: string,
    rows: Pick<SimResourceRow, "id" | "type" | "spot" | "deletedAt" | "parentId">[],
  ): Promise<boolean> {
    const probability = config.faults.spotReclaim?.probability ?? 0;
    if (probability <= 0) return false;
    const pools = rows.filter((r) => kinds[r.type]?.pool && r.spot && !r.deletedAt).map((r) => r.id);
    const standalone = rows.filter((r) => r.type === "instance" && r.spot && !r.deletedAt).map((r) => r.id);
    const members = pools.length
      ? await this.db
          .select({ id: simResources.id })
          .from(simResources)
          .where(and(inArray(simResources.parentId, pools), isNull(simResources.deletedAt), eq(simResources.spot, true)))
      : [];
    const chosen = [...standalone, ...members.map((m) => m.id)].filter(() => this.random() < probability);
    if (!chosen.length) return false;
    await this.reclaimSpot({ ids: chosen, account });
    return true;
  }

  // ───────────── reading rows ─────────────

  private filterWhere(account: string | null, filter: ListFilter, includeDeleted: boolean): SQL | undefined {
    return and(
      account === null ? undefined : eq(simResources.account, account),
      includeDeleted ? undefined : isNull(simResources.deletedAt),
      filter.includeMembers ? undefined : isNull(simResources.parentId),
      filter.tags && Object.keys(filter.tags).length ? sql`${simResources.tags} @> ${JSON.stringify(filter.tags)}::jsonb` : undefined,
      filter.type ? eq(simResources.type, filter.type) : undefined,
      filter.region ? eq(simResources.region, filter.region) : undefined,
    );
  }

  private async row(id: string, account: string): Promise<SimResourceRow | null> {
    if (typeof id !== "string" || !id) throw new SimCloudError("InvalidParameter", "id: must be a resource id", { field: "id" });
    const [row] = await this.db
      .select()
      .from(simResources)
      .where(and(eq(simResources.id, id), eq(simResources.account, account)));
    return row ?? null;
  }

  private async fetch(id: string): Promise<SimResource> {
    const rows = await this.db.select(selection).from(simResources).where(eq(simResources.id, id));
    const [resource] = await this.hydrate(rows);
    if (!resource) throw new SimCloudError("NotFound", `${describeId(id)} vanished`);
    return resource;
  }

  /** Rows to API resources: pending/running from ready_at, a pool's members and state. */
  private async hydrate(rows: SelectedRow[]): Promise<SimResource[]> {
    const poolIds = rows.filter((r) => kinds[r.type]?.pool).map((r) => r.id);
    const members = poolIds.length
      ? await this.db
          .select({ ...selection })
          .from(simResources)
          .where(and(inArray(simResources.parentId, poolIds), sql`(${simResources.deletedAt} is null or ${simResources.status} = 'reclaimed')`))
          .orderBy(asc(simResources.createdAt), asc(simResources.id))
      : [];
    return rows.map((row) => {
      const base = toResource(row);
      const kind = kinds[row.type];
      if (!kind?.pool) return base;
      const mine = members.filter((m) => m.parentId === row.id);
      const live = mine.filter((m) => !m.deletedAt);
      const pending = live.filter((m) => m.readyInMs > 0);
      const desired = memberCount(kind, row.properties);
      const attributes = {
        ...row.attributes,
        [kind.pool.idsAttribute]: live.map((m) => m.id),
        desired_size: desired,
        running_count: live.length - pending.length,
        pending_count: pending.length,
        reclaimed_count: mine.length - live.length,
      };
      const state: SimState = row.deletedAt ? base.state : live.length < desired ? "degraded" : pending.length ? "pending" : "running";
      return { ...base, attributes, state, readyInMs: Math.max(0, ...pending.map((m) => m.readyInMs)) };
    });
  }
}

function toResource(row: SelectedRow): SimResource {
  const ready = row.readyInMs <= 0;
  const isInstance = row.type === "instance" || Boolean(kinds[row.type]?.pool);
  const state: SimState =
    row.status === "reclaimed" ? "reclaimed" : row.deletedAt ? "deleted" : !ready ? "pending" : isInstance ? "running" : "available";
  return {
    id: row.id,
    account: row.account,
    region: row.region,
    type: row.type,
    parentId: row.parentId,
    properties: row.properties,
    attributes: row.attributes,
    tags: row.tags,
    idempotencyKey: row.idempotencyKey,
    state,
    readyInMs: row.deletedAt ? 0 : row.readyInMs,
    spot: row.spot,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    readyAt: row.readyAt,
    deletedAt: row.deletedAt,
  };
}

async function advisoryLock(tx: Executor, key: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}

function readyAt(config: SimConfig, type: string): SQL | null {
  const ms = config.bootDelayMs[type] ?? 0;
  return ms > 0 ? sql`clock_timestamp() + ${ms} * interval '1 millisecond'` : null;
}

function memberCount(kind: Kind, properties: Record<string, unknown>): number {
  const value = kind.pool ? properties[kind.pool.sizeField] : 0;
  return typeof value === "number" ? value : 0;
}

function usageOf(properties: Record<string, unknown>, count: number) {
  const spec = instanceSpecs[String(properties.instance_type)];
  return { vcpus: (spec?.vcpus ?? 0) * count, instances: count, gpus: (spec?.gpus ?? 0) * count };
}

const minus = (a: { vcpus: number; instances: number; gpus: number }, b: { vcpus: number; instances: number; gpus: number }) => ({
  vcpus: a.vcpus - b.vcpus,
  instances: a.instances - b.instances,
  gpus: a.gpus - b.gpus,
});

function describeId(id: string): string {
  const type = typeOfProviderId(id);
  return type ? `${type} ${id}` : `resource ${JSON.stringify(id)}`;
}

function kindProperties(type: string): Record<string, unknown> {
  const shape =
    (simResourceTypes[type]?.properties as unknown as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } }) ?? {};
  return shape.shape ?? shape.def?.in?.shape ?? {};
}

function findReference(value: unknown, path: string[] = []): { path: string; ref: string } | null {
  if (isReference(value)) return { path: path.join("."), ref: value.$ref };
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findReference(v, [...path, String(i)]);
      if (found) return found;
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const found = findReference(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

function validateTags(tags: Record<string, string>): Record<string, string> {
  if (!tags || typeof tags !== "object" || Array.isArray(tags))
    throw new SimCloudError("InvalidParameter", "tags: must be an object of strings", { field: "tags" });
  const entries = Object.entries(tags);
  if (entries.length > 50) throw new SimCloudError("InvalidParameter", `tags: at most 50 tags (got ${entries.length})`, { field: "tags" });
  for (const [key, value] of entries) {
    if (!key || key.length > 128) throw new SimCloudError("InvalidParameter", `tags.${key}: keys are 1-128 characters`, { field: `tags.${key}` });
    if (typeof value !== "string" || value.length > 256)
      throw new SimCloudError("InvalidParameter", `tags.${key}: values are strings of at most 256 characters`, { field: `tags.${key}` });
  }
  return { ...tags };
}

function assertSameRequest(existing: SimResourceRow, type: string, properties: Record<string, unknown>, key: string) {
  if (existing.type !== type) {
    throw new SimCloudError(
      "IdempotencyConflict",
      `idempotency key "${key}" already names ${existing.type} ${existing.id}, not a ${type}; use another key`,
      { existingId: existing.id },
    );
  }
  const fields = [...new Set([...Object.keys(existing.properties), ...Object.keys(properties)])].filter(
    (k) => stableJson(existing.properties[k]) !== stableJson(properties[k]),
  );
  if (fields.length) {
    const shown = fields.slice(0, 3).map((k) => `${k}: ${stableJson(existing.properties[k])} → ${stableJson(properties[k])}`);
    throw new SimCloudError(
      "IdempotencyConflict",
      `idempotency key "${key}" already created ${existing.id} with different properties (${shown.join("; ")}${fields.length > 3 ? "; …" : ""}); update that resource instead, or use another key`,
      { existingId: existing.id, field: `properties.${fields[0]}` },
    );
  }
}
