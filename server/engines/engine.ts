/**
 * The interface every engine implements (sim, postgres, terraform). The job runner plans the
 * desired resources of an environment against what the engine reports as existing, then
 * applies each change through the engine, which must be idempotent per resource: a retried
 * or resumed apply finds what it already made (by idempotency key or tags) and adopts it.
 */
import type { ParameterValue } from "~/server/schemas/template-parameters";
import type { TemplateDocument, Tier } from "~/server/templates/format";
import type { DriftReport } from "./drift";
import type { EngineName } from "./types";

/** A resource as the template plan wants it, with references already resolved. */
export type DesiredResource = {
  /** `id` or `id[n]`, unique within the environment. */
  address: string;
  type: string;
  properties: Record<string, unknown>;
  /** Every tag it must carry (mandatory ones included). */
  tags: Record<string, string>;
  /** Stable across retries and resumes: `<environment id>/<address>`. */
  idempotencyKey: string;
};

/** A resource as the engine reports it really exists. */
export type ActualResource = {
  address: string;
  type: string;
  /** The engine's own id (e.g. `i-0abc…`, a database name). */
  providerId: string;
  properties: Record<string, unknown>;
  /** Values known after apply (ids, IPs, DNS names); secrets are in `sensitive`. */
  attributes: Record<string, unknown>;
  /** Attribute values that are secrets: never logged, stored encrypted, shown masked. */
  sensitive: Record<string, string>;
  tags: Record<string, string>;
  idempotencyKey: string;
  status: "pending" | "ready" | "deleting" | "failed";
};

export type ChangeAction = "create" | "update" | "delete" | "noop";

export type PlannedChange = {
  action: ChangeAction;
  address: string;
  type: string;
  desired: DesiredResource | null;
  existing: ActualResource | null;
  /** Which properties or tags differ, for an update. */
  differences: string[];
};

/** One line of a run's log. Never put a secret in `message` or `data`. */
export type RunLogEvent = {
  level: "info" | "warn" | "error";
  message: string;
  address?: string;
  data?: Record<string, unknown>;
};

export type EngineContext = {
  environmentId: string;
  /** Streams to the run log (and the browser) as it happens. */
  log: (event: RunLogEvent) => Promise<void> | void;
  /** Aborted when the worker shuts down: stop at the next safe point. */
  signal: AbortSignal;
};

/** Every engine error says whether trying again can help. */
export class EngineError extends Error {
  constructor(
    readonly kind: "transient" | "permanent",
    message: string,
    readonly options: { retryAfterMs?: number; address?: string; code?: string } = {},
  ) {
    super(message);
    this.name = "EngineError";
  }
}

export const isTransient = (error: unknown): error is EngineError => error instanceof EngineError && error.kind === "transient";

/**
 * Everything an engine that applies a whole environment at once (terraform) needs: the template
 * version with its module files, the parameter values, and the tags every resource must carry.
 */
export type EnvironmentSpec = {
  environmentId: string;
  template: { name: string; version: string; document: TemplateDocument; moduleFiles: Record<string, string> };
  parameters: Record<string, ParameterValue | undefined>;
  environment: { name: string; tier: Tier; team: string };
  /** The mandatory tags (environment-id included) and the template's own. */
  tags: Record<string, string>;
  /**
   * The template's resources as planned for the request (`queue`, `idem[0]`): their region and
   * the usage they declare (sku × quantity: requests, GB stored), priced in hourly micro-dollars.
   */
  planned: { address: string; id: string; index: number | null; region: string | null; size: string | null; hourlyMicros: number }[];
};

/** What a whole-environment apply leaves: every resource (with its hourly cost) and the outputs. */
export type EnvironmentResult = {
  resources: (ActualResource & { hourlyMicros: number })[];
  outputs: Record<string, string>;
  /** Sensitive outputs: stored encrypted, never logged. */
  sensitiveOutputs: Record<string, string>;
};

/** One resource change of a saved plan: the action and the values that move (secrets masked). */
export type PlanDiffEntry = {
  address: string;
  type: string;
  action: "create" | "update" | "replace" | "delete" | "read" | "noop";
  values: { path: string; before: unknown; after: unknown }[];
};

export type SavedEnginePlan = { file: Uint8Array; json: string; diff: PlanDiffEntry[] };

export interface Engine {
  readonly name: EngineName;
  /** Desired against existing: what to create, update, delete, or leave. Pure. */
  plan(desired: readonly DesiredResource[], existing: readonly ActualResource[]): PlannedChange[];
  /** Creates or updates one resource, adopting an existing one with the same idempotency key. */
  apply(ctx: EngineContext, desired: DesiredResource, existing: ActualResource | null): Promise<ActualResource>;
  /** Deletes one resource; deleting what is already gone succeeds. */
  destroy(ctx: EngineContext, resource: ActualResource): Promise<void>;
  /** What really exists for an environment, found by its tags (drift, resume, orphans). */
  read(ctx: Pick<EngineContext, "environmentId" | "signal">): Promise<ActualResource[]>;
  /**
   * Secret inputs a resource needs from resources already applied (e.g. a database's owner
   * password), added to a copy of `desired` just before `apply`; the runner never stores or
   * logs that copy.
   */
  withSecretInputs?(desired: DesiredResource, applied: ReadonlyMap<string, ActualResource>): DesiredResource;
  /**
   * Engines that apply an environment as a whole (terraform: one configuration, one state):
   * when present, the runner calls it instead of `apply` per resource and records the resources
   * it returns. Must converge: a retried or resumed call carries on from what exists.
   */
  applyAll?(ctx: EngineContext, spec: EnvironmentSpec, options?: { savedPlan?: Uint8Array }): Promise<EnvironmentResult>;
  /**
   * Whole-environment engines that can save a plan (terraform): the plan file (carries secrets:
   * store it sealed), its JSON and its diff; `applyAll` with `savedPlan` then applies exactly
   * that plan, or fails with code `plan_stale` when the state moved on since.
   */
  planAll?(ctx: EngineContext, spec: EnvironmentSpec): Promise<SavedEnginePlan>;
  /** Destroys everything of the environment; destroying what is gone already succeeds. */
  destroyAll?(ctx: EngineContext, spec: EnvironmentSpec): Promise<void>;
  /**
   * Whole-environment engines only: compares what really exists with the applied configuration
   * without changing anything (terraform: a refresh-only plan). A read that fails (outage, rate
   * limit, timeout) throws an EngineError: it never reports drift it did not see.
   */
  checkDrift?(ctx: EngineContext, spec: EnvironmentSpec): Promise<DriftReport>;
}

/** The usual plan: by address; same type and properties and tags → noop; else update; extra → delete. */
export function planByAddress(desired: readonly DesiredResource[], existing: readonly ActualResource[]): PlannedChange[] {
  const byAddress = new Map(existing.map((r) => [r.address, r]));
  const changes: PlannedChange[] = desired.map((d) => {
    const e = byAddress.get(d.address) ?? null;
    byAddress.delete(d.address);
    if (!e) return { action: "create", address: d.address, type: d.type, desired: d, existing: null, differences: [] };
    const differences = [
      ...Object.keys({ ...d.properties, ...e.properties }).filter((k) => JSON.stringify(d.properties[k]) !== JSON.stringify(e.properties[k])),
      ...Object.keys({ ...d.tags, ...e.tags })
        .filter((k) => d.tags[k] !== e.tags[k])
        .map((k) => `tags.${k}`),
    ];
    return { action: differences.length ? "update" : "noop", address: d.address, type: d.type, desired: d, existing: e, differences };
  });
  for (const e of byAddress.values())
    changes.push({ action: "delete", address: e.address, type: e.type, desired: null, existing: e, differences: [] });
  return changes;
}
