/**
 * The simulator's configuration: latency, boot delays, the rate limit, quotas and faults. One
 * format, read from three layers merged in order (later wins, objects merge key by key, arrays
 * and null replace):
 *
 *   built-in defaults  <  PROVISIO_SIM_FAULTS (JSON, parsed once per value)
 *                      <  the options a SimCloud is constructed with (tests, the bench)
 *                      <  the runtime row in sim_settings (SimCloud.configure, read on every call,
 *                         so a test or the bench switches faults on and off across processes)
 */
import { z } from "zod";
import { envVar } from "~/server/env";

export const operations = ["create", "get", "update", "delete", "list"] as const;
export type Operation = (typeof operations)[number];

const probability = z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");
const milliseconds = z.number().int("must be whole milliseconds").min(0, "cannot be negative").max(600_000, "at most 600000 ms");

/** A figure for every operation (a number), or per operation with "*" as the fallback. */
const perOperation = <T extends z.ZodType<number>>(value: T) =>
  z.union([
    value,
    z.strictObject({
      "*": value.optional(),
      create: value.optional(),
      get: value.optional(),
      update: value.optional(),
      delete: value.optional(),
      list: value.optional(),
    }),
  ]);

export type PerOperation = number | Partial<Record<Operation | "*", number>>;

export const quotaLimits = z.strictObject({
  vcpus: z.number().int().min(0),
  instances: z.number().int().min(0),
  gpus: z.number().int().min(0),
});
export type QuotaLimits = z.infer<typeof quotaLimits>;

export const simConfigSchema = z.strictObject({
  /** Every API call first sleeps baseMs plus a uniform random 0..jitterMs. */
  latency: z.strictObject({ baseMs: milliseconds, jitterMs: milliseconds }),
  /** Time from create (or a change that reboots) to running, by resource type; absent types are ready at once. */
  bootDelayMs: z.record(z.string(), milliseconds),
  /** A token bucket per account shared by every process (a row updated atomically); null turns it off. */
  rateLimit: z
    .strictObject({ perSecond: z.number().positive("must be more than 0").max(100_000), burst: z.number().int().min(1).max(100_000) })
    .nullable(),
  /**
   * Limits per account and region. Keys: "*" (every account), "<account>", or
   * "<account>/<region>"; the most specific key that sets a figure wins, figure by figure.
   */
  quotas: z.record(z.string(), quotaLimits.partial()),
  faults: z.strictObject({
    /** Share of calls that fail with a transient InternalError before doing anything. */
    errorRate: perOperation(probability),
    /** Added to the latency of matching calls. */
    extraLatencyMs: perOperation(milliseconds),
    /** Share of create/update/delete calls that take effect, then fail with a transient RequestTimeout (the answer is lost). */
    lostResponseRate: perOperation(probability),
    /** Share of answers that make no sense (wrong type, missing id, another resource's key…). */
    malformedRate: perOperation(probability),
    /** Regions whose every call fails with a transient ServiceUnavailable. */
    regionOutages: z.array(z.string()),
    /** Instance types (or "spot" for any spot capacity) that fail with a transient InsufficientInstanceCapacity. */
    insufficientCapacity: z.array(z.string()),
    /** Each read (get, list) first reclaims every spot instance it would report with this probability. */
    spotReclaim: z.strictObject({ probability }).nullable(),
    /** Drift outside the portal (issue 13): before each scheduled drift check, with this rate, one change of these kinds to one resource. */
    drift: z
      .strictObject({
        rate: probability,
        kinds: z
          .array(z.enum(["property", "delete", "tag"], { error: "must be property, delete or tag" }))
          .min(1, "at least one kind")
          .default(["property", "delete", "tag"]),
      })
      .nullable(),
  }),
});
export type SimConfig = z.infer<typeof simConfigSchema>;

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
/** What callers pass: any part of the configuration. */
export type SimConfigInput = DeepPartial<SimConfig>;

export const defaultSimConfig: SimConfig = {
  latency: { baseMs: 40, jitterMs: 60 },
  bootDelayMs: {
    instance: 3_000,
    instance_group: 3_000,
    k8s_node_pool: 5_000,
    load_balancer: 2_000,
    nat_gateway: 1_500,
    managed_database: 8_000,
    volume_snapshot: 1_000,
    cdn: 2_000,
  },
  // Like EC2's mutating-call buckets, scaled for one demo account.
  rateLimit: { perSecond: 20, burst: 100 },
  quotas: { "*": { vcpus: 512, instances: 200, gpus: 16 } },
  faults: {
    errorRate: 0,
    extraLatencyMs: 0,
    lostResponseRate: 0,
    malformedRate: 0,
    regionOutages: [],
    insufficientCapacity: [],
    spotReclaim: null,
    drift: null,
  },
};

/** The configuration tests want: no latency, no boot delay, no rate limit, no faults. */
export const quietSimConfig: SimConfigInput = {
  latency: { baseMs: 0, jitterMs: 0 },
  bootDelayMs: Object.fromEntries(Object.keys(defaultSimConfig.bootDelayMs).map((k) => [k, 0])),
  rateLimit: null,
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Objects merge key by key; anything else (numbers, arrays, null) replaces. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) result[key] = mergeConfig(base[key], value);
  return result;
}

/** Validates one layer (a partial configuration) by merging it over the defaults; the error names the field. */
export function parseConfigLayer(input: unknown, source: string): SimConfigInput {
  if (!isPlainObject(input)) throw new Error(`${source}: must be a JSON object`);
  const result = simConfigSchema.safeParse(mergeConfig(defaultSimConfig, input));
  if (!result.success) {
    const describe = (i: z.core.$ZodIssue) =>
      i.code === "unrecognized_keys"
        ? `${[...i.path, i.keys[0]].join(".")}: is not a setting of the simulator`
        : `${i.path.join(".") || "(root)"}: ${i.message}`;
    throw new Error(`${source}: ${result.error.issues.map(describe).join("; ")}`);
  }
  return input as SimConfigInput;
}

export function resolveConfig(...layers: (SimConfigInput | null | undefined)[]): SimConfig {
  return layers.reduce<unknown>((acc, layer) => (layer ? mergeConfig(acc, layer) : acc), defaultSimConfig) as SimConfig;
}

let envLayer: { raw: string | undefined; layer: SimConfigInput | null } | undefined;

/**
 * PROVISIO_SIM_FAULTS (read through server/env.ts, so a test may change it at runtime), parsed
 * once per value; a bad value is an error naming the variable and the field. `source` is for tests.
 */
export function configFromEnv(source?: { PROVISIO_SIM_FAULTS?: string }): SimConfigInput | null {
  const raw = source ? source.PROVISIO_SIM_FAULTS : envVar("PROVISIO_SIM_FAULTS");
  if (envLayer && envLayer.raw === raw) return envLayer.layer;
  let layer: SimConfigInput | null = null;
  if (raw && raw.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new Error(`PROVISIO_SIM_FAULTS: not valid JSON (${(error as Error).message})`);
    }
    layer = parseConfigLayer(parsed, "PROVISIO_SIM_FAULTS");
  }
  envLayer = { raw, layer };
  return layer;
}

export function rateFor(value: PerOperation, operation: Operation): number {
  if (typeof value === "number") return value;
  return value[operation] ?? value["*"] ?? 0;
}

/** The limits that apply to an account in a region. */
export function quotaFor(config: SimConfig, account: string, region: string): QuotaLimits {
  const layers = [config.quotas["*"], config.quotas[account], config.quotas[`${account}/${region}`]];
  const limits: QuotaLimits = { vcpus: Number.POSITIVE_INFINITY, instances: Number.POSITIVE_INFINITY, gpus: Number.POSITIVE_INFINITY };
  for (const layer of layers) if (layer) Object.assign(limits, Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined)));
  return limits;
}
